/**
 * A byte range of a file read in pages, on demand: a query that needs ten rows of a column reads
 * the few pages that hold them, not the whole file. Pages are kept (up to a bound) so the
 * neighbouring rows a query reads next cost nothing; `loadWhole` reads everything once for jobs
 * that walk every row.
 */

/** Reads `len` bytes at `off` of the range (fewer only past its end). */
export type ReadAt = (off: number, len: number) => Promise<Uint8Array>;

const PAGE = 4096;
/** Ranges longer than this are read directly, not through pages. */
const DIRECT = 16 * PAGE;
/** Kept pages before the cache starts over (32 MiB). */
const MAX_PAGES = 8192;

export class PagedBytes {
  /** Reads made and bytes they asked for: how much of the range queries touched. */
  reads = 0;
  bytesRead = 0;
  private readonly pages = new Map<number, Promise<Uint8Array>>();
  private whole: Uint8Array | undefined;
  private wholeLoading: Promise<Uint8Array> | undefined;

  constructor(
    private readonly readAt: ReadAt,
    readonly length: number,
  ) {}

  /** Bytes already in memory (for ranges built in memory, and tests). */
  static of(bytes: Uint8Array): PagedBytes {
    const paged = new PagedBytes(async (off, len) => bytes.subarray(off, off + len), bytes.length);
    paged.whole = bytes;
    return paged;
  }

  private async direct(off: number, len: number): Promise<Uint8Array> {
    this.reads += 1;
    this.bytesRead += len;
    const buf = await this.readAt(off, len);
    if (buf.length !== len) throw new Error('index columns are cut short');
    return buf;
  }

  private page(k: number): Promise<Uint8Array> {
    let page = this.pages.get(k);
    if (page === undefined) {
      if (this.pages.size >= MAX_PAGES) this.pages.clear();
      const p = this.direct(k * PAGE, Math.min(PAGE, this.length - k * PAGE));
      page = p;
      this.pages.set(k, p);
      // A failed read is tried again by the next caller.
      p.catch(() => this.pages.get(k) === p && this.pages.delete(k));
    }
    return page;
  }

  /** `len` bytes at `off`; throws when the range is shorter. */
  async bytes(off: number, len: number): Promise<Uint8Array> {
    if (off < 0 || len < 0 || off + len > this.length) throw new Error('index columns are cut short');
    const whole = this.whole;
    if (whole !== undefined) return whole.subarray(off, off + len);
    if (len === 0) return new Uint8Array(0);
    if (len > DIRECT) return this.direct(off, len);
    const first = Math.floor(off / PAGE);
    const last = Math.floor((off + len - 1) / PAGE);
    if (first === last) return (await this.page(first)).subarray(off - first * PAGE, off - first * PAGE + len);
    const parts = await Promise.all(Array.from({ length: last - first + 1 }, (_, i) => this.page(first + i)));
    const out = new Uint8Array((last - first + 1) * PAGE);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out.subarray(off - first * PAGE, off - first * PAGE + len);
  }

  /** Every byte, read once; later reads are served from it. Aligned to 8 bytes for typed views. */
  loadWhole(): Promise<Uint8Array> {
    if (this.whole !== undefined) return Promise.resolve(this.whole);
    this.wholeLoading ??= this.direct(0, this.length).then(
      (buf) => {
        let aligned = buf;
        if (buf.byteOffset % 8 !== 0) {
          aligned = new Uint8Array(buf.length);
          aligned.set(buf);
        }
        this.whole = aligned;
        this.pages.clear();
        return aligned;
      },
      (error) => {
        this.wholeLoading = undefined;
        throw error;
      },
    );
    return this.wholeLoading;
  }
}
