/**
 * Compaction, step three: the index file for the new layout (the new segment first, then the
 * segments left alone), from the scan's winners after they were copied. It also names the
 * segments the new one replaces, so that a reader can take it in whole after the switch.
 */
import { compareRunOrder } from '../../src/store.js';
import type { Manifest } from './compact-manifest.js';
import type { IndexedRows, ScanResult, Winner } from './compact-scan.js';
import type { Copied } from './compact-write.js';
import { PagedBytes } from './paged-bytes.js';
import { packColumns, RunColumns } from './run-columns.js';
import { mergeColumns } from './run-columns-merge.js';
import type { RunRef } from './run-ref.js';
import { encodeTable, tableFrom } from './run-table.js';
import { encodeSnapshotOf, type SnapshotHeader, WINDOW_SIZE } from './snapshot.js';

/** The index file's bytes; `leftAlone` indexes scan.names, copied winners have seg -1. */
export async function compactedIndex(
  scan: ScanResult,
  manifest: Manifest,
  copied: Copied,
  leftAlone: number[],
): Promise<Buffer> {
  const { names } = scan;
  const newSeg = new Map<number, number>(leftAlone.map((old, k) => [old, k + 1]));
  const segOf = (w: Winner<unknown>) => (w.seg === -1 ? 0 : (newSeg.get(w.seg) as number));
  const segName = (w: Winner<unknown>) => (w.seg === -1 ? manifest.output : names[w.seg]) as string;
  const versioned = <T>(w: Winner<T>) => ({ v: { at: w.at, seg: segName(w), off: w.off }, value: w.value });
  const columns =
    scan.indexed === undefined
      ? fromWinners(scan, segOf)
      : fromIndexed(scan.indexed, scan, segOf, (seg) => newSeg.get(seg) as number);
  const runCount = (await RunColumns.open(PagedBytes.of(columns))).n;
  const header: SnapshotHeader = {
    segments: [
      { name: manifest.output, bytes: copied.bytes, lines: copied.lines },
      ...leftAlone.map((i) => ({ name: names[i] as string, ...(scan.ends[i] as { bytes: number; lines: number }) })),
    ],
    runCount,
    components: [...scan.components.values()].map(versioned),
    pointers: [...scan.pointers.values()].map(versioned),
    blobs: [...scan.blobs.values()].map(versioned),
    replaced: manifest.replaces.map((r) => r.name),
  };
  // The newest runs for line 2, from the block: the last rows in run order.
  const block = await RunColumns.open(PagedBytes.of(columns));
  const all = (await block.whole()).cols;
  const window = Array.from({ length: Math.min(WINDOW_SIZE, runCount) }, (_, k) =>
    block.refFrom(all, runCount - Math.min(WINDOW_SIZE, runCount) + k),
  );
  return encodeSnapshotOf(header, window, columns, (seg) => seg);
}

/** The column block from the winning runs read from lines: a table, no reference object per run. */
function fromWinners(scan: ScanResult, segOf: (w: Winner<unknown>) => number): Uint8Array {
  const table = tableFrom(scan.runs.size, (visit) => {
    for (const w of scan.runs.values()) visit(w.value, segOf(w), w);
  });
  const { cols, components, pointers } = encodeTable(table);
  return packColumns(cols, components, pointers);
}

/**
 * The column block from the old index's columns, each row moved to where its line is now (copied
 * rows to the new segment 0, rows of segments left alone renumbered by `leftAt`), without the
 * rows lines past the index replaced, and with the runs read from those lines merged in.
 */
function fromIndexed(
  ix: IndexedRows,
  scan: ScanResult,
  segOf: (w: Winner<unknown>) => number,
  leftAt: (seg: number) => number,
): Uint8Array {
  const n = ix.live.length;
  const seg = new Uint32Array(n);
  const off = ix.cols.off.slice();
  const line = ix.cols.line.slice();
  const hidden = new Set<number>();
  for (let r = 0; r < n; r++) {
    if (ix.live[r] === 0) hidden.add(r);
    else if (Number.isNaN(ix.newOff[r])) seg[r] = leftAt(ix.seg[r] as number);
    else {
      off[r] = ix.newOff[r] as number;
      line[r] = ix.newLine[r] as number;
    }
  }
  const extra: RunRef[] = [...scan.runs.values()]
    .map((w) => ({ ...w.value, seg: segOf(w), off: w.off, len: w.len, line: w.line, at: w.at }))
    .sort(compareRunOrder);
  const cols = { ...ix.cols, seg, off, line };
  // Every row kept and nothing new: the same rows in the same order, only their places changed.
  if (hidden.size === 0 && extra.length === 0) return packColumns(cols, ix.components, ix.pointers);
  return mergeColumns({ cols, components: ix.components, pointers: ix.pointers }, hidden, extra, (s) => s);
}
