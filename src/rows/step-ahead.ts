/**
 * A backward trace's store reads, batched step by step: every store call is a look at the
 * store's files in fs-json (a file stat through the thread pool, 25-45 µs), and calls made
 * together share one look. So each step asks, at once, for its upstream runs, their manifests
 * and (guessed from the runs as last read, checked when they arrive) their inputs' writers.
 * A warm 5-stage trace then makes 6 looks instead of 12.
 */
import type { Run } from '../model.js';
import type { Store, WriterRef } from '../store.js';
import { manifestFrom } from './chunk-cache.js';
import { manifestKey, type RunRowsManifest } from './format/codec.js';
import { inputsOf, type ManifestRead, type Upstream, writersOf } from './walk.js';

type Writers = Promise<(WriterRef | undefined)[]> | (WriterRef | undefined)[];

/** What a step read ahead for a run it reached: its manifest, and maybe its inputs' writers. */
export interface StepAhead {
  manifest: ManifestRead;
  /** The writers of `inputs` before the run started, asked for before the run was read. */
  writers?: { inputs: readonly string[]; startedAt: number; read: Writers };
}

const GUESSES = 4096;
// Runs as last read, per store: a guess of a run's inputs before it is read again.
const guesses = new WeakMap<Store, Map<string, Run>>();

function remember(store: Store, runs: readonly (Run | undefined)[]): void {
  let known = guesses.get(store);
  if (known === undefined) {
    known = new Map();
    guesses.set(store, known);
  }
  for (const run of runs) {
    if (run === undefined) continue;
    if (known.size >= GUESSES) known.clear();
    known.set(run.id, run);
  }
}

/** Reads ahead for a run known by its writer entry: its manifest, and its inputs' writers when guessable. */
function aheadOf(store: Store, writer: WriterRef, manifest: ManifestRead): StepAhead {
  // A read ahead the walk never uses (its node merged, or the walk stopped) must not go unhandled.
  manifest.catch(() => undefined);
  const ahead: StepAhead = { manifest };
  const guess = guesses.get(store)?.get(writer.id);
  if (guess !== undefined) {
    const read = writersOf(store, writer, guess.inputs);
    if (read instanceof Promise) read.catch(() => undefined);
    ahead.writers = { inputs: guess.inputs, startedAt: writer.startedAt, read };
  }
  return ahead;
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** The latest writer of a pointer (undefined: raw data), read together with what its step needs. */
export async function writerAhead(
  store: Store,
  pointer: string,
): Promise<{ run: Run | undefined; ahead?: StepAhead | undefined }> {
  const [writer] = await store.latestWriters([{ pointer }]);
  if (writer === undefined) return { run: undefined };
  const ahead = aheadOf(store, writer, store.getBlobs([manifestKey(writer.id)]));
  const [run] = await store.getRuns([writer.id]);
  remember(store, [run]);
  return { run, ahead };
}

/**
 * A trace step's links: the run's manifest (read ahead by the step before, or now) and its
 * inputs' writers (read ahead when the guess of its inputs was right, or now), then the
 * upstream runs with what their steps will need.
 */
export async function upstreamAhead(
  store: Store,
  run: Run,
  pointer: string,
  before: StepAhead | undefined,
): Promise<Upstream & { manifest: RunRowsManifest | undefined; ahead: (StepAhead | undefined)[] }> {
  const w = before?.writers;
  const guessed = w !== undefined && w.startedAt === run.startedAt && sameList(w.inputs, run.inputs);
  const [data, listed] = await Promise.all([
    before?.manifest ?? store.getBlobs([manifestKey(run.id)]),
    guessed ? w.read : writersOf(store, run, run.inputs),
  ]);
  const manifest = manifestFrom(store, run.id, data[0]);
  const { pairs, inputs } = inputsOf(run, pointer, manifest);
  // Pairs may name inputs the run does not list (lineage recorded apart from the run): ask for those too.
  const writers = sameList(inputs, run.inputs) ? listed : await writersOf(store, run, inputs);
  const present = writers.filter((x): x is WriterRef => x !== undefined);
  // Raw inputs (no writer, as at the end of every backward trace) cost no store call.
  if (present.length === 0) return { pairs, inputs, runs: writers.map(() => undefined), manifest, ahead: [] };
  const read = store.getBlobs(present.map((x) => manifestKey(x.id)));
  const ahead = writers.map((x) => {
    if (x === undefined) return undefined;
    const at = present.indexOf(x);
    return aheadOf(
      store,
      x,
      read.then((d) => [d[at]]),
    );
  });
  const found = await store.getRuns(present.map((x) => x.id));
  remember(store, found);
  let r = 0;
  const runs = writers.map((x) => (x === undefined ? undefined : found[r++]));
  return { pairs, inputs, runs, manifest, ahead };
}
