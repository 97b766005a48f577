/**
 * Strings to dense integers (0, 1, 2, ... in the order first seen) and back, in an
 * open-addressing table that keeps each key's hash beside its number. A probe compares
 * integers in one array and touches a key only when the hashes match, and growing rehashes
 * from the table itself, in order, without reading any key: at a million keys this costs a
 * fraction of a Map's lookups and inserts, which chase every key's string through memory.
 *
 * The hash is seeded per index at random, so keys chosen to collide in one process do not
 * collide in another.
 */
export class StringIndex {
  private readonly keys: string[] = [];
  /** Pairs (hash, number + 1); 0 marks an empty cell. Kept at most half full. */
  private cells = new Int32Array(2 * 2048);
  private mask = 2047;
  private readonly seed = (Math.random() * 0x100000000) | 0;

  get size(): number {
    return this.keys.length;
  }

  /** The key with number `n`. */
  key(n: number): string {
    return this.keys[n] as string;
  }

  /** The number of `key`, or -1. */
  find(key: string): number {
    const h = this.hash(key);
    const { cells, mask } = this;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = cells[2 * i + 1] as number;
      if (v === 0) return -1;
      if (cells[2 * i] === h && this.keys[v - 1] === key) return v - 1;
    }
  }

  /** The number of `key`, adding it (as `size`) if it is new. */
  add(key: string): number {
    const h = this.hash(key);
    const { cells, mask } = this;
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const v = cells[2 * i + 1] as number;
      if (v === 0) break;
      if (cells[2 * i] === h && this.keys[v - 1] === key) return v - 1;
    }
    const n = this.keys.length;
    cells[2 * i] = h;
    cells[2 * i + 1] = n + 1;
    this.keys.push(key);
    if (2 * (n + 1) > mask) this.grow();
    return n;
  }

  /**
   * Doubles the table. Walking the old cells in order sends each entry to cell i or i + size of
   * the new one, so the writes run in two sequential streams instead of scattering.
   */
  private grow(): void {
    const old = this.cells;
    const mask = 2 * (this.mask + 1) - 1;
    const cells = new Int32Array(2 * (mask + 1));
    for (let c = 0; c < old.length; c += 2) {
      const v = old[c + 1] as number;
      if (v === 0) continue;
      const h = old[c] as number;
      let i = h & mask;
      while (cells[2 * i + 1] !== 0) i = (i + 1) & mask;
      cells[2 * i] = h;
      cells[2 * i + 1] = v;
    }
    this.cells = cells;
    this.mask = mask;
  }

  /** FNV-1a over UTF-16 code units from a random seed, then a final mix so the low bits spread. */
  private hash(key: string): number {
    let h = this.seed ^ 0x811c9dc5;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return h ^ (h >>> 16);
  }
}
