/**
 * Compaction, step one: read every segment's committed batches and find, for each run id,
 * component, pointer and blob key, the one version that counts (the same rule the store folds
 * by: commit time, then segment name, then offset). Only light facts are kept per record.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Component, PointerRecord } from '../../src/model.js';
import type { IndexedRun } from '../../src/run-index.js';
import { type BlobRef, compareVersions, type Problem, parseSegment } from './format.js';

/** A version that counts, and where its line is (`seg` indexes ScanResult.names). */
export interface Winner<T> {
  seg: number;
  off: number;
  len: number;
  line: number;
  at: number;
  value: T;
}

export interface ScanResult {
  /** The segments read, in name order. */
  names: string[];
  /** Where each segment's committed part ends. */
  ends: { bytes: number; lines: number }[];
  /** Bytes after each segment's last commit. */
  tails: number[];
  /** Whether each segment's tail has the shape a crash leaves (only such a tail may be dropped). */
  tailTorn: boolean[];
  runs: Map<string, Winner<IndexedRun>>;
  components: Map<string, Winner<Component>>;
  pointers: Map<string, Winner<PointerRecord>>;
  blobs: Map<string, Winner<BlobRef>>;
  /** Blob keys with a record in a segment that will not be rewritten (its tombstone must stay). */
  keptKeys: Set<string>;
  /** Record lines read in all (winners or not), and per segment. */
  records: number;
  perSeg: number[];
  problems: Problem[];
}

/** Reads the named segments (sorted) and returns the winning version of every record. */
export async function scanSegments(
  runsDir: string,
  names: readonly string[],
  rewritten: ReadonlySet<string>,
): Promise<ScanResult> {
  const out: ScanResult = {
    names: [...names],
    ends: [],
    tails: [],
    tailTorn: [],
    runs: new Map(),
    components: new Map(),
    pointers: new Map(),
    blobs: new Map(),
    keptKeys: new Set(),
    records: 0,
    perSeg: [],
    problems: [],
  };
  const newer = (seg: number, off: number, at: number, old: Winner<unknown> | undefined) =>
    old === undefined ||
    compareVersions(
      { at, seg: names[seg] as string, off },
      { at: old.at, seg: names[old.seg] as string, off: old.off },
    ) > 0;
  for (const [seg, name] of names.entries()) {
    let buf: Buffer;
    try {
      buf = await readFile(join(runsDir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      buf = Buffer.alloc(0);
    }
    const parsed = parseSegment(buf, { bytes: 0, lines: 0 }, `segments/${name}`, (p) => out.problems.push(p));
    out.ends.push(parsed.end);
    out.tails.push(parsed.tailBytes);
    out.tailTorn.push(parsed.tailTorn);
    const kept = !rewritten.has(name);
    out.perSeg.push(parsed.batches.reduce((n, b) => n + b.records.length, 0));
    for (const { at, records } of parsed.batches) {
      for (const r of records) {
        out.records += 1;
        const { off, len, line } = r;
        if (r.kind === 'run') {
          const { id, component, startedAt, endedAt, inputs, outputs } = r.value;
          if (newer(seg, off, at, out.runs.get(id))) {
            const value = { id, component, startedAt, endedAt, inputs, outputs };
            out.runs.set(id, { seg, off, len, line, at, value });
          }
        } else if (r.kind === 'component') {
          if (newer(seg, off, at, out.components.get(r.value.name))) {
            out.components.set(r.value.name, { seg, off, len, line, at, value: r.value });
          }
        } else if (r.kind === 'pointer') {
          if (newer(seg, off, at, out.pointers.get(r.value.name))) {
            out.pointers.set(r.value.name, { seg, off, len, line, at, value: r.value });
          }
        } else {
          if (kept) out.keptKeys.add(r.value.key);
          if (newer(seg, off, at, out.blobs.get(r.value.key))) {
            out.blobs.set(r.value.key, { seg, off, len, line, at, value: r.value });
          }
        }
      }
    }
  }
  return out;
}
