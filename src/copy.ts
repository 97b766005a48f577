/**
 * copyStore: everything one store holds into another, through the store contract only, in
 * batches, resumable. Row-lineage blobs go first, then components and pointers, then runs, so
 * the destination never holds a run whose row lineage is missing.
 *
 * Records replace by id, name or key, so copying again never duplicates anything. A checkpoint
 * blob in the destination says how far a copy got; an interrupted copy called again continues
 * from it, and a finished copy removes it.
 */
import { encodeCursor } from './cursor.js';
import { invalid, PipetraceError } from './errors.js';
import { type BlobRecord, MAX_SCAN_LIMIT, type RunPage, type Store } from './store.js';

export type CopyPhase = 'blobs' | 'components' | 'pointers' | 'runs';

export interface CopyProgress {
  phase: CopyPhase;
  /** Records of this phase in the destination so far (resumed copies included). */
  done: number;
  /** The phase's record count, where the source tells it cheaply (all but runs). */
  total?: number;
  /** How far the phase has got, 0 to 1; for runs estimated from their start times. */
  fraction: number;
}

export interface CopyOptions {
  /** Records per read and per write. Default 1000; at most 10 000. */
  batchSize?: number;
  onProgress?: (progress: CopyProgress) => void;
  /** Stops after the batch under way, with its checkpoint kept; rejects with 'aborted'. */
  signal?: AbortSignal;
  /** Ignore the checkpoint of an interrupted copy and copy everything again. */
  restart?: boolean;
}

export interface CopyResult {
  runs: number;
  components: number;
  pointers: number;
  blobs: number;
  /** It continued an interrupted copy. */
  resumed: boolean;
}

/** Where copies keep their checkpoint in the destination; never copied itself. */
export const COPY_CHECKPOINT_PREFIX = 'pipetrace-copy-checkpoint/';

const PHASES: readonly CopyPhase[] = ['blobs', 'components', 'pointers', 'runs'];
/** Blobs are chunks of up to megabytes: read a few at a time, written up to this many bytes at once. */
const BLOBS_PER_READ = 64;
const BLOB_BATCH_BYTES = 8 * 1024 * 1024;
/** The checkpoint is written at most this often (and on abort): a crash recopies at most this much. */
const CHECKPOINT_EVERY_MS = 1000;

interface Checkpoint {
  version: 1;
  source: string;
  phase: CopyPhase;
  /** blobs: the last key copied; runs: the cursor after the last page copied. */
  after?: string;
  counts: Record<CopyPhase, number>;
}

/** A short stable hash, so the key names the source without spelling it out. */
function hashOf(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function readCheckpoint(data: Uint8Array | undefined, source: string): Checkpoint | undefined {
  if (data === undefined) return undefined;
  try {
    const value = JSON.parse(decoder.decode(data)) as Checkpoint;
    return value.version === 1 && value.source === source && PHASES.includes(value.phase) ? value : undefined;
  } catch {
    return undefined;
  }
}

function checkOptions(from: Store, to: Store, options: CopyOptions): number {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_SCAN_LIMIT) {
    throw invalid('batchSize', `must be an integer from 1 to ${MAX_SCAN_LIMIT}`);
  }
  if (from === to || (from.kind === to.kind && from.kind !== 'memory')) {
    throw invalid('to', `is the source itself (${from.kind})`);
  }
  return batchSize;
}

/** Copies every run, component, pointer and blob of `from` into `to` (see the module comment). */
export async function copyStore(from: Store, to: Store, options: CopyOptions = {}): Promise<CopyResult> {
  const batchSize = checkOptions(from, to, options);
  const key = `${COPY_CHECKPOINT_PREFIX}${hashOf(from.kind)}`;
  const found = options.restart ? undefined : readCheckpoint((await to.getBlobs([key]))[0], from.kind);
  const cp: Checkpoint = found ?? {
    version: 1,
    source: from.kind,
    phase: 'blobs',
    counts: { blobs: 0, components: 0, pointers: 0, runs: 0 },
  };
  const resumed = found !== undefined;
  let saved = Date.now();
  const save = async () => {
    await to.putBlobs([{ key, data: encoder.encode(JSON.stringify(cp)) }]);
    saved = Date.now();
  };
  const progress = (phase: CopyPhase, fraction: number, total?: number) =>
    options.onProgress?.({ phase, done: cp.counts[phase], fraction, ...(total === undefined ? {} : { total }) });
  const stop = async () => {
    if (options.signal?.aborted) {
      await save();
      throw new PipetraceError('aborted', 'the copy was interrupted; run it again to continue where it stopped');
    }
  };
  /** Marks a batch copied; the checkpoint follows when it is due. */
  const advance = async (phase: CopyPhase, count: number, after?: string) => {
    cp.phase = phase;
    cp.counts[phase] += count;
    if (after === undefined) delete cp.after;
    else cp.after = after;
    if (Date.now() - saved >= CHECKPOINT_EVERY_MS) await save();
  };
  const next = async (phase: CopyPhase) => {
    const at = PHASES.indexOf(phase);
    cp.phase = PHASES[at + 1] ?? phase;
    delete cp.after;
    await save();
  };
  const start = PHASES.indexOf(cp.phase);
  if (options.signal?.aborted) throw new PipetraceError('aborted', 'the copy was interrupted before it began');

  if (start <= 0) {
    const all = (await from.listBlobs('')).filter((k) => !k.startsWith(COPY_CHECKPOINT_PREFIX));
    const keys = cp.after === undefined ? all : all.filter((k) => k > (cp.after as string));
    const total = cp.counts.blobs + keys.length;
    progress('blobs', total === 0 ? 1 : cp.counts.blobs / total, total);
    for (let i = 0; i < keys.length; ) {
      const blobs: BlobRecord[] = [];
      let bytes = 0;
      while (i < keys.length && blobs.length < batchSize && bytes < BLOB_BATCH_BYTES) {
        const batch = keys.slice(i, Math.min(i + BLOBS_PER_READ, i + batchSize - blobs.length));
        i += batch.length;
        const data = await from.getBlobs(batch);
        for (const [j, k] of batch.entries()) {
          const d = data[j];
          if (d === undefined) continue; // deleted since it was listed
          blobs.push({ key: k, data: d });
          bytes += d.byteLength;
        }
      }
      await to.putBlobs(blobs);
      await advance('blobs', blobs.length, keys[i - 1]);
      progress('blobs', cp.counts.blobs / total, total);
      await stop();
    }
    await next('blobs');
  }

  /** Components and pointers: few, read whole, and copied again whole on resume. */
  const copyAll = async <T>(phase: 'components' | 'pointers', records: T[], put: (batch: T[]) => Promise<void>) => {
    cp.counts[phase] = 0;
    if (records.length === 0) progress(phase, 1, 0);
    for (let i = 0; i < records.length; i += batchSize) {
      const batch = records.slice(i, i + batchSize);
      await put(batch);
      cp.counts[phase] += batch.length;
      progress(phase, cp.counts[phase] / records.length, records.length);
    }
    await next(phase);
    await stop();
  };
  if (start <= 1) await copyAll('components', await from.scanComponents(), (batch) => to.putComponents(batch));
  if (start <= 2) await copyAll('pointers', await from.scanPointers(), (batch) => to.putPointers(batch));

  await copyRuns(from, to, batchSize, cp.after, {
    advance: (count, cursor) => advance('runs', count, cursor),
    progress: (fraction) => progress('runs', fraction),
    stop,
  });

  // Done: the checkpoint goes (a destination without deleteBlobs keeps a spent one, ignored).
  if (to.deleteBlobs !== undefined) await to.deleteBlobs([key]);
  else {
    cp.source = `${from.kind} (finished)`;
    await save();
  }
  const { runs, components, pointers, blobs } = cp.counts;
  return { runs, components, pointers, blobs, resumed };
}

/** Runs in (startedAt, id) order, page by page, the next page read while this one is written. */
async function copyRuns(
  from: Store,
  to: Store,
  batchSize: number,
  cursor: string | undefined,
  step: {
    advance(count: number, cursor?: string): Promise<void>;
    progress(fraction: number): void;
    stop(): Promise<void>;
  },
): Promise<void> {
  const [oldest] = (await from.scanRuns({ order: 'asc', limit: 1 })).runs;
  const [newest] = (await from.scanRuns({ order: 'desc', limit: 1 })).runs;
  const span = oldest === undefined || newest === undefined ? 0 : newest.startedAt - oldest.startedAt;
  const read = (after: string | undefined): Promise<RunPage> => {
    const page = from.scanRuns({ order: 'asc', limit: batchSize, ...(after === undefined ? {} : { cursor: after }) });
    page.catch(() => {}); // awaited below; an abort may leave it unawaited
    return page;
  };
  step.progress(0);
  let page: Promise<RunPage> | undefined = read(cursor);
  while (page !== undefined) {
    const { runs, cursor: more }: RunPage = await page;
    page = more === undefined || runs.length === 0 ? undefined : read(more);
    const last = runs[runs.length - 1];
    if (last !== undefined) {
      await to.putRuns(runs);
      await step.advance(runs.length, more ?? encodeCursor(last));
      step.progress(span === 0 || oldest === undefined ? 1 : (last.startedAt - oldest.startedAt) / span);
    }
    if (page !== undefined) await step.stop();
  }
  step.progress(1);
}
