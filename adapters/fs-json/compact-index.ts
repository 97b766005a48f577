/**
 * Compaction, step three: the index file for the new layout (the new segment first, then the
 * segments left alone), from the scan's winners after they were copied. It also names the
 * segments the new one replaces, so that a reader can take it in whole after the switch.
 */
import type { IndexedRun } from '../../src/run-index.js';
import type { Manifest } from './compact-manifest.js';
import type { ScanResult, Winner } from './compact-scan.js';
import type { Copied } from './compact-write.js';
import { PagedBytes } from './paged-bytes.js';
import { packColumns, RunColumns } from './run-columns.js';
import { encodeTable, Interned, type RunTable } from './run-table.js';
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
  const table = tableOfWinners(scan.runs, segOf);
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

/** The winning runs as a table: no reference object per run. */
function tableOfWinners(
  runs: ReadonlyMap<string, Winner<IndexedRun>>,
  segOf: (w: Winner<unknown>) => number,
): RunTable {
  const n = runs.size;
  const components = new Interned();
  const pointers = new Interned();
  const t: RunTable = {
    n,
    ids: new Array<string>(n),
    startedAt: new Float64Array(n),
    endedAt: new Float64Array(n),
    at: new Float64Array(n),
    off: new Float64Array(n),
    seg: new Uint32Array(n),
    len: new Uint32Array(n),
    line: new Uint32Array(n),
    component: new Uint32Array(n),
    components: components.list,
    pointers: pointers.list,
    inStart: new Uint32Array(n + 1),
    inPtr: new Uint32Array(0),
    outStart: new Uint32Array(n + 1),
    outPtr: new Uint32Array(0),
  };
  let ins = 0;
  let outs = 0;
  for (const w of runs.values()) {
    ins += w.value.inputs.length;
    outs += w.value.outputs.length;
  }
  t.inPtr = new Uint32Array(ins);
  t.outPtr = new Uint32Array(outs);
  let i = 0;
  ins = 0;
  outs = 0;
  for (const w of runs.values()) {
    const r = w.value;
    t.ids[i] = r.id;
    t.startedAt[i] = r.startedAt;
    t.endedAt[i] = r.endedAt;
    t.at[i] = w.at;
    t.off[i] = w.off;
    t.seg[i] = segOf(w);
    t.len[i] = w.len;
    t.line[i] = w.line;
    t.component[i] = components.of(r.component);
    for (const p of r.inputs) t.inPtr[ins++] = pointers.of(p);
    for (const p of r.outputs) t.outPtr[outs++] = pointers.of(p);
    i += 1;
    t.inStart[i] = ins;
    t.outStart[i] = outs;
  }
  return t;
}
