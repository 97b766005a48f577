/**
 * What an fs-json store knows in memory: the current version of every component, pointer record
 * and blob key, and light references to the runs. No I/O here: the store reads committed
 * batches from the segment log and folds them in.
 */
import type { Component, PointerRecord } from '../../src/model.js';
import { cloneComponent, clonePointer } from '../../src/records.js';
import { BlobIndex } from './blobs.js';
import { isCompactedCopy } from './compact-names.js';
import type { SegmentEnd, Version } from './format.js';
import type { SegmentBatch } from './log.js';
import { NamedRecords } from './named.js';
import type { RunRefs } from './run-refs.js';
import type { SnapshotHeader } from './snapshot.js';

/** What folding batches changed: for live listeners, and the blob files that lost to newer versions. */
export interface Folded {
  runs: string[];
  components: string[];
  pointers: string[];
  losers: string[];
}

export class StoreState {
  readonly components = new NamedRecords<Component>(cloneComponent);
  readonly pointers = new NamedRecords<PointerRecord>(clonePointer);
  readonly blobs = new BlobIndex();
  /** Records taken in since the index file was last written. */
  unindexed = 0;

  /**
   * @param runs the run references, already holding what the index file knows
   * @param header the index file's header, when there is a usable one
   */
  constructor(
    readonly runs: RunRefs,
    private readonly segName: (seg: number) => string,
    header?: SnapshotHeader,
  ) {
    if (header === undefined) return;
    this.components.load(header.components);
    this.pointers.load(header.pointers);
    this.blobs.load(header.blobs);
  }

  /** Takes in committed batches, from this process or another, and says what changed. */
  fold(batches: readonly SegmentBatch[]): Folded {
    const out: Folded = { runs: [], components: [], pointers: [], losers: [] };
    for (const { seg, at, records } of batches) {
      this.unindexed += records.length;
      // Copies made by compaction carry a commit time older than their segment: nothing new to tell.
      const copy = isCompactedCopy(this.segName(seg), at);
      for (const record of records) {
        if (record.kind === 'run') {
          const r = record.value;
          const { off, len, line } = record;
          this.runs.apply({
            id: r.id,
            component: r.component,
            startedAt: r.startedAt,
            endedAt: r.endedAt,
            // Copies: for this process's own writes these arrays still belong to the caller.
            inputs: r.inputs.slice(),
            outputs: r.outputs.slice(),
            seg,
            off,
            len,
            line,
            at,
          });
          if (!copy) out.runs.push(r.id);
          continue;
        }
        const v: Version = { at, seg: this.segName(seg), off: record.off };
        switch (record.kind) {
          case 'component':
            if (this.components.apply(record.value, v) && !copy) out.components.push(record.value.name);
            break;
          case 'pointer':
            if (this.pointers.apply(record.value, v) && !copy) out.pointers.push(record.value.name);
            break;
          case 'blob': {
            const loser = this.blobs.apply(record.value, v);
            if (loser !== undefined) out.losers.push(loser);
            break;
          }
        }
      }
    }
    return out;
  }

  /** The index file's header for what is known now, given how far each segment was read. */
  header(segments: (SegmentEnd & { name: string })[], runCount: number): SnapshotHeader {
    return {
      segments,
      runCount,
      components: this.components.versions(),
      pointers: this.pointers.versions(),
      blobs: this.blobs.versions(),
    };
  }
}
