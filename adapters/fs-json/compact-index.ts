/**
 * Compaction, step three: the index file for the new layout (the new segment first, then the
 * segments left alone), from the scan's winners after they were copied. It also names the
 * segments the new one replaces, so that a reader can take it in whole after the switch.
 */
import { compareRunOrder } from '../../src/store.js';
import type { Manifest } from './compact-manifest.js';
import type { ScanResult, Winner } from './compact-scan.js';
import type { Copied } from './compact-write.js';
import type { RunRef } from './run-refs.js';
import { encodeSnapshot, type SnapshotHeader } from './snapshot.js';

/** The index file's bytes; `leftAlone` indexes scan.names, copied winners have seg -1. */
export function compactedIndex(scan: ScanResult, manifest: Manifest, copied: Copied, leftAlone: number[]): Buffer {
  const { names } = scan;
  const newSeg = new Map<number, number>(leftAlone.map((old, k) => [old, k + 1]));
  const segOf = (w: Winner<unknown>) => (w.seg === -1 ? 0 : (newSeg.get(w.seg) as number));
  const segName = (w: Winner<unknown>) => (w.seg === -1 ? manifest.output : names[w.seg]) as string;
  const versioned = <T>(w: Winner<T>) => ({ v: { at: w.at, seg: segName(w), off: w.off }, value: w.value });
  const runs: RunRef[] = [];
  for (const w of scan.runs.values()) {
    runs.push({ ...w.value, seg: segOf(w), off: w.off, len: w.len, line: w.line, at: w.at });
  }
  runs.sort(compareRunOrder);
  const header: SnapshotHeader = {
    segments: [
      { name: manifest.output, bytes: copied.bytes, lines: copied.lines },
      ...leftAlone.map((i) => ({ name: names[i] as string, ...(scan.ends[i] as { bytes: number; lines: number }) })),
    ],
    runCount: runs.length,
    components: [...scan.components.values()].map(versioned),
    pointers: [...scan.pointers.values()].map(versioned),
    blobs: [...scan.blobs.values()].map(versioned),
    replaced: manifest.replaces.map((r) => r.name),
  };
  return encodeSnapshot(header, runs, (seg) => seg);
}
