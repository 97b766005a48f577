/**
 * An open-addressing hash table from 64-bit hashes (two u32 halves) to small integer values,
 * in typed arrays: no object per entry. The hashes are already well mixed, so the low half
 * picks the slot directly.
 */
export class HashTable64 {
  private readonly mask: number;
  private readonly keys: Uint32Array;
  /** value + 1 per slot; 0 marks an empty slot. */
  private readonly values: Int32Array;
  size = 0;

  get capacity(): number {
    return this.mask + 1;
  }

  constructor(expected: number) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.keys = new Uint32Array(capacity * 2);
    this.values = new Int32Array(capacity);
  }

  /** The value stored under (hi, lo), or -1. */
  get(hi: number, lo: number): number {
    const keys = this.keys;
    const values = this.values;
    let slot = lo & this.mask;
    for (;;) {
      const v = values[slot] as number;
      if (v === 0) return -1;
      if (keys[2 * slot] === hi >>> 0 && keys[2 * slot + 1] === lo >>> 0) return v - 1;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Stores value under (hi, lo) unless present; returns the value now stored. */
  add(hi: number, lo: number, value: number): number {
    const keys = this.keys;
    const values = this.values;
    let slot = lo & this.mask;
    for (;;) {
      const v = values[slot] as number;
      if (v === 0) {
        keys[2 * slot] = hi;
        keys[2 * slot + 1] = lo;
        values[slot] = value + 1;
        this.size++;
        return value;
      }
      if (keys[2 * slot] === hi >>> 0 && keys[2 * slot + 1] === lo >>> 0) return v - 1;
      slot = (slot + 1) & this.mask;
    }
  }
}
