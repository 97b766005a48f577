/**
 * Large typed arrays recycled within one long operation (a row review moves a million-row
 * table through every stage). Fresh large buffers cost page faults and zeroing on first touch,
 * and collection later; handing each stage's spent buffers to the next avoids both. Arrays
 * from a pool are not zeroed: take them only where every element is written before it is read.
 */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];
  private readonly mine = new WeakSet<ArrayBuffer>();

  private take(bytes: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = (this.free[i] as ArrayBuffer).byteLength;
      // At most twice the size asked: a small scratch array must not take the buffer a
      // stage's matches are about to need (they would then be fresh memory).
      if (size >= bytes && size <= 2 * bytes && (best < 0 || size < (this.free[best] as ArrayBuffer).byteLength))
        best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0] as ArrayBuffer;
    const buffer = new ArrayBuffer(bytes);
    this.mine.add(buffer);
    return buffer;
  }

  u32(length: number): Uint32Array {
    return new Uint32Array(this.take(4 * length), 0, length);
  }

  i32(length: number): Int32Array {
    return new Int32Array(this.take(4 * length), 0, length);
  }

  /** Gives back the buffer under `view` (ignored unless this pool made it). */
  release(view: ArrayBufferView | undefined): void {
    if (view === undefined) return;
    const buffer = view.buffer as ArrayBuffer;
    if (this.mine.has(buffer) && !this.free.includes(buffer)) this.free.push(buffer);
  }
}
