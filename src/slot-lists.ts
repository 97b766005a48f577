import { firstIndex } from './run-index.js';

/*
 * Lists of slot numbers (rows of a RunTable) kept in an order given by a comparator, and typed
 * arrays that grow.
 */

/** One slot, or several in order: most pointers have one writer, and an array each would cost a million arrays. */
export type List = number | number[];

export function asArray(list: List | undefined): readonly number[] | undefined {
  return list === undefined ? undefined : typeof list === 'number' ? [list] : list;
}

export function insertSorted(list: number[], slot: number, compare: (a: number, b: number) => number): void {
  const n = list.length;
  // Runs mostly arrive in time order: appending is the common case.
  if (n === 0 || compare(list[n - 1] as number, slot) <= 0) list.push(slot);
  else
    list.splice(
      firstIndex(n, (i) => compare(list[i] as number, slot) < 0),
      0,
      slot,
    );
}

export function removeSorted(list: number[], slot: number, compare: (a: number, b: number) => number): void {
  const at = firstIndex(list.length, (i) => compare(list[i] as number, slot) < 0);
  if (list[at] === slot) list.splice(at, 1);
}

export function addTo(
  lists: (List | undefined)[],
  key: number,
  slot: number,
  compare: (a: number, b: number) => number,
) {
  const cur = lists[key];
  if (cur === undefined) lists[key] = slot;
  else if (typeof cur !== 'number') insertSorted(cur, slot, compare);
  else lists[key] = compare(cur, slot) <= 0 ? [cur, slot] : [slot, cur];
}

export function removeFrom(
  lists: (List | undefined)[],
  key: number,
  slot: number,
  compare: (a: number, b: number) => number,
) {
  const cur = lists[key];
  if (cur === slot) lists[key] = undefined;
  else if (cur !== undefined && typeof cur !== 'number') removeSorted(cur, slot, compare);
}

export function resized<A extends Uint8Array | Int32Array | Float64Array>(array: A, length: number): A {
  const out = new (array.constructor as new (n: number) => A)(length);
  out.set(array);
  return out;
}
