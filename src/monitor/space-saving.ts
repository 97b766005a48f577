/**
 * Heavy hitters by space-saving (Metwally, Agrawal & El Abbadi, 2005): at most `capacity`
 * counters; an unseen value takes over the smallest counter, inheriting its count as its error.
 * A counter's count is an upper bound and count - error a lower bound on the true count, and any
 * value with more than n / capacity occurrences is kept. Memory is fixed whatever the number
 * of distinct values. Merging follows Berinde et al. (2010): the same bounds for the union.
 */

export const HEAVY_HITTERS = 64;

export interface HeavyHitter {
  value: string;
  /** Upper bound on the occurrences. */
  count: number;
  /** count - error is a lower bound; 0 means exact. */
  error: number;
}

export class SpaceSaving {
  readonly capacity: number;
  // A min-heap of counter slots by count, with each value's slot.
  private values: string[] = [];
  private counts: number[] = [];
  private errors: number[] = [];
  private heap: number[] = [];
  private posOf: number[] = [];
  private slotOf = new Map<string, number>();
  /** Occurrences seen. */
  n = 0;

  constructor(capacity = HEAVY_HITTERS) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.values.length;
  }

  add(value: string, weight = 1): void {
    this.n += weight;
    const slot = this.slotOf.get(value);
    if (slot !== undefined) {
      this.counts[slot] = (this.counts[slot] as number) + weight;
      this.down(this.posOf[slot] as number);
      return;
    }
    if (this.values.length < this.capacity) {
      const s = this.values.length;
      this.values.push(value);
      this.counts.push(weight);
      this.errors.push(0);
      this.posOf.push(this.heap.length);
      this.heap.push(s);
      this.slotOf.set(value, s);
      this.up(this.heap.length - 1);
      return;
    }
    // Replace the smallest counter: the newcomer may have occurred up to its count before.
    const s = this.heap[0] as number;
    this.slotOf.delete(this.values[s] as string);
    this.values[s] = value;
    this.errors[s] = this.counts[s] as number;
    this.counts[s] = (this.counts[s] as number) + weight;
    this.slotOf.set(value, s);
    this.down(0);
  }

  /** The smallest count kept (0 until full): the error bound of any value not kept. */
  get floor(): number {
    return this.values.length < this.capacity ? 0 : (this.counts[this.heap[0] as number] as number);
  }

  /** Counters, largest count first (ties by value, so the order is stable). */
  top(): HeavyHitter[] {
    return this.values
      .map((value, s) => ({ value, count: this.counts[s] as number, error: this.errors[s] as number }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }

  /** Counters from top(), as stored. */
  static from(capacity: number, n: number, hitters: readonly HeavyHitter[]): SpaceSaving {
    const ss = new SpaceSaving(capacity);
    for (const h of hitters.slice(0, capacity)) {
      ss.add(h.value, h.count);
      ss.errors[ss.slotOf.get(h.value) as number] = h.error;
    }
    ss.n = n;
    return ss;
  }

  /** The union's summary: a value absent on one side may have occurred up to that side's floor. */
  static merge(a: SpaceSaving, b: SpaceSaving): SpaceSaving {
    const fa = a.floor;
    const fb = b.floor;
    const merged = new Map<string, HeavyHitter>();
    for (const h of a.top()) merged.set(h.value, { value: h.value, count: h.count + fb, error: h.error + fb });
    for (const h of b.top()) {
      const m = merged.get(h.value);
      if (m === undefined) merged.set(h.value, { value: h.value, count: h.count + fa, error: h.error + fa });
      else {
        m.count += h.count - fb;
        m.error += h.error - fb;
      }
    }
    const capacity = Math.max(a.capacity, b.capacity);
    const kept = [...merged.values()]
      .sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
      .slice(0, capacity);
    return SpaceSaving.from(capacity, a.n + b.n, kept);
  }

  private less(i: number, j: number): boolean {
    return (this.counts[this.heap[i] as number] as number) < (this.counts[this.heap[j] as number] as number);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i] as number;
    const b = this.heap[j] as number;
    this.heap[i] = b;
    this.heap[j] = a;
    this.posOf[b] = i;
    this.posOf[a] = j;
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) return;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const c = r < n && this.less(r, l) ? r : l;
      if (!this.less(c, i)) return;
      this.swap(c, i);
      i = c;
    }
  }
}
