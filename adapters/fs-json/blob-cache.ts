/**
 * Bytes of small blob files, by file name, least recently used out first. A blob version's file
 * is written once under a new name (the key's hash and a nonce) and never changed, so a cached
 * copy is right for as long as the index names that file. A warm row trace reads each run's
 * manifest again at every step: this spares it four file-system looks each time.
 */
export class SmallBlobCache {
  private readonly map = new Map<string, Uint8Array>();
  private bytes = 0;

  constructor(
    private readonly maxBlobBytes = 64 * 1024,
    private readonly maxBytes = 8 * 1024 * 1024,
  ) {}

  /** A copy of the cached bytes of `file` (callers may keep or change what they get). */
  get(file: string): Uint8Array | undefined {
    return this.peek(file)?.slice();
  }

  /**
   * The cached bytes of `file` themselves, not a copy: the caller must not change them (nor hand
   * them on to code that might). For bytes decoded at once, such as run lines. A hit, like get's.
   */
  peek(file: string): Uint8Array | undefined {
    const hit = this.map.get(file);
    if (hit === undefined) return undefined;
    this.map.delete(file);
    this.map.set(file, hit);
    return hit;
  }

  set(file: string, data: Uint8Array): void {
    if (data.length > this.maxBlobBytes || this.map.has(file)) return;
    this.map.set(file, data.slice());
    this.bytes += data.length;
    for (const [name, bytes] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(name);
      this.bytes -= bytes.length;
    }
  }
}
