/*
 * Sorted lists for the in-memory run indexes (RunIndex over records, RunTable over slot
 * numbers), and typed arrays that grow.
 */

/** The first index in [0, n) at which `below` turns false (it must be true, then false). */
export function firstIndex(n: number, below: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (below(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of a sorted array that is not less than `key`. */
export function lowerBound<T, K>(items: readonly T[], key: K, compare: (item: T, key: K) => number): number {
  return firstIndex(items.length, (i) => compare(items[i] as T, key) < 0);
}

export function insertSorted<T>(items: T[], item: T, compare: (a: T, b: T) => number): void {
  const n = items.length;
  // Runs mostly arrive in time order: appending is the common case.
  if (n === 0 || compare(items[n - 1] as T, item) <= 0) items.push(item);
  else items.splice(lowerBound(items, item, compare), 0, item);
}

export function removeSorted<T>(items: T[], item: T, compare: (a: T, b: T) => number): void {
  for (let i = lowerBound(items, item, compare); i < items.length && compare(items[i] as T, item) === 0; i++) {
    if (items[i] === item) {
      items.splice(i, 1);
      return;
    }
  }
}

/**
 * Most pointers are written once and read a few times, so a list of one is kept as the item
 * itself: at a million pointers that saves a million arrays (and their garbage collection).
 * Items are never arrays themselves.
 */
export type List<T> = T | T[];

/** The list with `item` added in order (the same array when it already was one). */
export function withItem<T>(list: List<T> | undefined, item: T, compare: (a: T, b: T) => number): List<T> {
  if (list === undefined) return item;
  if (Array.isArray(list)) {
    insertSorted(list, item, compare);
    return list;
  }
  return compare(list, item) <= 0 ? [list, item] : [item, list];
}

/** The list without `item` (undefined when it was the only one). */
export function withoutItem<T>(
  list: List<T> | undefined,
  item: T,
  compare: (a: T, b: T) => number,
): List<T> | undefined {
  if (list === item) return undefined;
  if (Array.isArray(list)) removeSorted(list, item, compare);
  return list;
}

export function asArray<T>(list: List<T> | undefined): readonly T[] | undefined {
  return list === undefined ? undefined : Array.isArray(list) ? list : [list];
}

export function resized<A extends Int32Array | Float64Array>(array: A, length: number): A {
  const out = new (array.constructor as new (n: number) => A)(length);
  out.set(array);
  return out;
}
