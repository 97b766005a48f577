/** Which bytes of the segments to read together when a query wants many run lines at once. */

/** Where a record's line is: segment number, byte offset and byte length. */
export interface Place {
  seg: number;
  off: number;
  len: number;
}

/** One read: a byte range of a segment and the places (by index) it covers. */
export interface Range {
  seg: number;
  off: number;
  len: number;
  places: number[];
}

/** Places closer than this in one segment are read in one go. */
const READ_GAP = 64 * 1024;
/** The most one read spans. */
const READ_SPAN = 4 * 1024 * 1024;

/** Groups places into few reads: neighbours in a segment share one, none longer than READ_SPAN unless one line is. */
export function rangesOf(places: readonly Place[]): Range[] {
  const order = places.map((_, i) => i);
  order.sort((a, b) => {
    const p = places[a] as Place;
    const q = places[b] as Place;
    return p.seg - q.seg || p.off - q.off;
  });
  const ranges: Range[] = [];
  let last: Range | undefined;
  for (const i of order) {
    const p = places[i] as Place;
    const end = last === undefined ? 0 : last.off + last.len;
    if (last !== undefined && p.seg === last.seg && p.off <= end + READ_GAP && p.off + p.len - last.off <= READ_SPAN) {
      last.len = Math.max(end, p.off + p.len) - last.off;
      last.places.push(i);
    } else {
      last = { seg: p.seg, off: p.off, len: p.len, places: [i] };
      ranges.push(last);
    }
  }
  return ranges;
}
