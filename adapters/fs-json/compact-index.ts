/**
 * Compaction, step three: the index file for the new layout (the new segment first, then the
 * segments left alone), from the scan's winners after they were copied. It also names the
 * segments the new one replaces, so that a reader can take it in whole after the switch.
 */
import type { Manifest } from './compact-manifest.js';
import type { ScanResult, Winner } from './compact-scan.js';
import type { Copied } from './compact-write.js';
import { PagedBytes } from './paged-bytes.js';
import { packColumns, RunColumns } from './run-columns.js';
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
  // The winning runs as a table: no reference object per run.
  const table = tableFrom(scan.runs.size, (visit) => {
    for (const w of scan.runs.values()) visit(w.value, segOf(w), w);
  });
  const header: SnapshotHeader = {
    segments: [
      { name: manifest.output, bytes: copied.bytes, lines: copied.lines },
      ...leftAlone.map((i) => ({ name: names[i] as string, ...(scan.ends[i] as { bytes: number; lines: number }) })),
    ],
    runCount: table.n,
    components: [...scan.components.values()].map(versioned),
    pointers: [...scan.pointers.values()].map(versioned),
    blobs: [...scan.blobs.values()].map(versioned),
    replaced: manifest.replaces.map((r) => r.name),
  };
  const { cols, components, pointers } = encodeTable(table);
  const columns = packColumns(cols, components, pointers);
  // The newest runs for line 2, from the block: the last rows in run order.
  const block = await RunColumns.open(PagedBytes.of(columns));
  const all = (await block.whole()).cols;
  const window = Array.from({ length: Math.min(WINDOW_SIZE, table.n) }, (_, k) =>
    block.refFrom(all, table.n - Math.min(WINDOW_SIZE, table.n) + k),
  );
  return encodeSnapshotOf(header, window, columns, (seg) => seg);
}
