/**
 * Automatic compaction: how much of the segments is dead (replaced or deleted records, torn
 * tails), estimated whenever the index is rewritten, from what the index holds.
 */
import type { SnapshotHeader } from './snapshot.js';

/** Compact on close once this share of the segment bytes is dead (default). */
export const DEFAULT_COMPACT_RATIO = 0.5;
/** ... and the segments hold at least this many bytes (default 16 MiB): small stores never bother. */
export const DEFAULT_COMPACT_MIN_BYTES = 16 * 1024 * 1024;

export interface DeadBytes {
  dead: number;
  total: number;
}

/**
 * Segment bytes in all, and those no current record needs, given the bytes of the current runs'
 * lines (named records are estimated by their JSON).
 */
export function deadBytes(runBytes: number, header: SnapshotHeader): DeadBytes {
  const total = header.segments.reduce((n, s) => n + s.bytes, 0);
  let live = runBytes;
  // A line is its record's JSON, a wrapper of a dozen bytes and a newline; commit lines are not counted.
  for (const list of [header.components, header.pointers, header.blobs]) {
    for (const { value } of list) live += JSON.stringify(value).length + 14;
  }
  return { dead: Math.max(0, total - live), total };
}

/** Whether dead bytes call for compaction. */
export function wantsCompaction(d: DeadBytes | undefined, ratio: number | false, minBytes: number): boolean {
  return d !== undefined && ratio !== false && d.total >= minBytes && d.dead >= ratio * d.total;
}
