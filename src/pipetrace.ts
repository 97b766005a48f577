import type Graph from 'graphology';
import { type Review, type ReviewOptions, reviewRuns } from './analysis/review.js';
import { type Staleness, type StalenessOptions, stalenessOf } from './analysis/staleness.js';
import { type Trace, type TraceOptions, traceFromRun } from './analysis/trace.js';
import { type ComponentInput, listComponents, tagCounts, upsertComponent } from './components.js';
import { invalid, notFound, PipetraceError } from './errors.js';
import { type LineageEdge, type LineageNode, lineageGraph } from './graph.js';
import { uuidv7 } from './ids.js';
import type { CodeVersion, Component, Pointer, PointerType, Run } from './model.js';
import { knownPointer, setFlag, setType, toPointer, unflagAll } from './pointers.js';
import { FLAG_PREFIX } from './rows/flags.js';
import {
  type FlaggedRows,
  flaggedRows,
  flagRows,
  impact,
  type RowCaptureOptions,
  type RowCaptureSummary,
  type RowKey,
  type RowLineageSpec,
  type RowRecorder,
  type RowTrace,
  type RowTraceOptions,
  reviewRows,
  traceRow,
  unflagRows,
  writeRowLineage,
} from './rows/index.js';
import { RunHandle } from './run-handle.js';
import { type RunInput, runFromInput } from './run-input.js';
import { RunWriter } from './run-writer.js';
import type { RunPage, Store } from './store.js';
import {
  checkCodeVersion,
  checkIdentifier,
  checkNameList,
  checkPointer,
  checkPointerType,
  checkPositiveInt,
  checkRunId,
  checkText,
  checkTime,
  describe,
  isPlainObject,
} from './validate.js';
import { type WrapOptions, wrapFunction } from './wrap.js';

export interface PipetraceOptions {
  /** Where runs are kept. Required here; `pipetrace/node` and the browser entry supply defaults. */
  store: Store;
  /** The clock; default Date.now. */
  now?: () => number;
  /** The code version recorded on every run unless a run sets its own. */
  codeVersion?: CodeVersion | (() => CodeVersion | undefined);
  /** Defaults for staleness(). */
  staleness?: Omit<StalenessOptions, 'now'>;
  /** Called when logging a wrapped synchronous function fails in the background. Default console.error. */
  onError?: (error: unknown) => void;
}

export interface StartRunOptions {
  id?: string;
  startedAt?: Date | number | string;
  inputs?: string | string[];
  outputs?: string | string[];
  code?: CodeVersion;
  snapshot?: string;
}

export interface HistoryOptions {
  since?: Date | number | string;
  until?: Date | number | string;
  limit?: number;
  cursor?: string;
}

/** A target for trace and staleness: a pointer name or run id (tried in that order), or explicit. */
export type Target = string | { pointer: string } | { run: string };

/** The pipetrace API: log runs, then ask what produced what, what is stale and who is to blame. */
export class Pipetrace {
  readonly store: Store;
  private readonly now: () => number;
  private readonly code: PipetraceOptions['codeVersion'];
  private readonly stalenessDefaults: Omit<StalenessOptions, 'now'>;
  private readonly onError: (error: unknown) => void;
  private readonly writer: RunWriter;
  private pending: Promise<unknown> = Promise.resolve();
  private backgroundError: unknown;

  constructor(options: PipetraceOptions) {
    if (!isPlainObject(options) || typeof options.store?.putRuns !== 'function') {
      throw invalid('options.store', 'must be a store (see the adapters)');
    }
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.writer = new RunWriter(this.store, this.now);
    this.code =
      options.codeVersion === undefined || typeof options.codeVersion === 'function'
        ? options.codeVersion
        : checkCodeVersion('options.codeVersion', options.codeVersion);
    this.stalenessDefaults = options.staleness ?? {};
    this.onError = options.onError ?? ((e) => console.error('pipetrace: logging failed:', e));
  }

  private codeVersion(): CodeVersion | undefined {
    return typeof this.code === 'function' ? this.code() : this.code;
  }

  // ---- components -------------------------------------------------------------------------

  /** Creates a component, or updates the fields given if it exists. */
  async component(name: string, input: ComponentInput = {}): Promise<Component> {
    const component = await upsertComponent(this.store, name, input, this.now());
    this.writer.known(name);
    return component;
  }

  /** Adds tags to a component (creating it if needed). */
  async tag(name: string, tags: string | string[]): Promise<Component> {
    checkIdentifier('component', name);
    const added = checkNameList('tags', tags, checkIdentifier);
    const [existing] = await this.store.getComponents([name]);
    return this.component(name, { tags: [...new Set([...(existing?.tags ?? []), ...added])] });
  }

  /** Components, by name, optionally only those with an owner or a tag. */
  components(filter: { owner?: string; tag?: string } = {}): Promise<Component[]> {
    return listComponents(this.store, filter);
  }

  /** Every tag in use, with how many components carry it, most used first. */
  tags(): Promise<{ tag: string; count: number }[]> {
    return tagCounts(this.store);
  }

  // ---- logging ----------------------------------------------------------------------------

  /** Starts an explicit run; nothing is stored until it ends or fails. */
  startRun(component: string, options: StartRunOptions = {}): RunHandle {
    checkIdentifier('component', component);
    const startedAt = options.startedAt === undefined ? this.now() : checkTime('startedAt', options.startedAt);
    const id = options.id === undefined ? uuidv7(startedAt) : checkRunId('id', options.id);
    const code = options.code === undefined ? this.codeVersion() : checkCodeVersion('code', options.code);
    const handle = new RunHandle({ id, component, startedAt, code }, this.writer);
    if (options.inputs !== undefined) handle.addInputs(options.inputs);
    if (options.outputs !== undefined) handle.addOutputs(options.outputs);
    if (options.snapshot !== undefined) handle.setSnapshot(options.snapshot);
    return handle;
  }

  /** Logs a finished run in one call; its dependencies are inferred from its inputs. */
  async logRun(input: RunInput): Promise<Run> {
    const [run] = await this.logRuns([input]);
    return run as Run;
  }

  /**
   * Logs many finished runs in one store write. Dependencies are inferred by time, among the
   * batch as well as from the store. Every run is checked first: one bad run stores none.
   */
  async logRuns(inputs: RunInput[]): Promise<Run[]> {
    if (!Array.isArray(inputs)) throw invalid('runs', `must be an array, got ${describe(inputs)}`);
    const code = this.codeVersion();
    const runs = inputs.map((input, i) => runFromInput(input, code, `runs[${i}]`));
    const ids = new Set<string>();
    for (const run of runs) {
      if (ids.has(run.id))
        throw new PipetraceError('conflict', `run id ${run.id} appears twice in one batch`, { field: 'id' });
      ids.add(run.id);
    }
    return this.writer.write(runs, runs);
  }

  /**
   * Wraps a function so each call is logged as a run of `component`: inputs and outputs come
   * from the selectors, a throw is logged as a failed run and rethrown. Async functions resolve
   * after their run is stored; synchronous ones log in the background (await `flush()`).
   */
  wrap<A extends unknown[], R>(
    component: string,
    fn: (...args: A) => R,
    options: WrapOptions<A, R> = {},
  ): (...args: A) => R {
    checkIdentifier('component', component);
    if (typeof fn !== 'function') throw invalid('fn', `must be a function, got ${describe(fn)}`);
    const snapshot = options.snapshot ? String(fn) : undefined;
    return wrapFunction(
      fn,
      options,
      () => this.startRun(component, snapshot === undefined ? {} : { snapshot }),
      (write) => this.background(write),
    );
  }

  private background(write: Promise<unknown>): void {
    const tracked = write.catch((error) => {
      this.backgroundError ??= error;
      this.onError(error);
    });
    this.pending = Promise.all([this.pending, tracked]);
  }

  /** Waits for background logging (wrapped synchronous functions); rejects with its first error. */
  async flush(): Promise<void> {
    await this.pending;
    const error = this.backgroundError;
    this.backgroundError = undefined;
    if (error !== undefined) throw error;
  }

  // ---- runs -------------------------------------------------------------------------------

  async inspect(runId: string): Promise<Run> {
    checkRunId('run id', runId);
    const [run] = await this.store.getRuns([runId]);
    if (run === undefined) throw notFound('run', runId);
    return run;
  }

  /** Adds a note to a stored run. */
  async addNote(runId: string, text: string): Promise<Run> {
    const note = { at: this.now(), text: checkText('note', text) };
    const run = await this.inspect(runId);
    run.notes.push(note);
    await this.store.putRuns([run]);
    return run;
  }

  /** A component's runs, newest first, a page at a time (pass back `cursor`). */
  async history(component: string, options: HistoryOptions = {}): Promise<RunPage> {
    checkIdentifier('component', component);
    const [found] = await this.store.getComponents([component]);
    if (found === undefined) throw notFound('component', component);
    return this.store.scanRuns({
      component,
      since: options.since === undefined ? undefined : checkTime('since', options.since),
      until: options.until === undefined ? undefined : checkTime('until', options.until),
      limit: options.limit === undefined ? 20 : checkPositiveInt('limit', options.limit, 10_000),
      cursor: options.cursor === undefined ? undefined : checkText('cursor', options.cursor, 512),
    });
  }

  /** The latest runs of all components, newest first. */
  async recent(limit = 10): Promise<Run[]> {
    return (await this.store.scanRuns({ limit: checkPositiveInt('limit', limit, 10_000) })).runs;
  }

  // ---- pointers and flags -----------------------------------------------------------------

  async pointer(name: string): Promise<Pointer> {
    checkPointer('pointer', name);
    const [record] = await this.store.getPointers([name]);
    return toPointer(name, record);
  }

  async setPointerType(name: string, type: PointerType): Promise<Pointer> {
    checkPointer('pointer', name);
    checkPointerType('type', type);
    return setType(this.store, name, type, this.now());
  }

  /**
   * Marks a pointer as wrong, or with `{ rows: keys }` some of its rows. The pointer must be one
   * a run wrote or read, or one with a record.
   */
  async flag(name: string, options: { rows?: ArrayLike<RowKey> } = {}): Promise<Pointer> {
    checkPointer('pointer', name);
    if (options.rows === undefined) return setFlag(this.store, name, true, this.now());
    await this.flagRows(name, options.rows);
    return this.pointer(name);
  }

  /** Clears a pointer's flag, or with `{ rows }` the flags of those rows (`'all'`: all its rows). */
  async unflag(name: string, options: { rows?: ArrayLike<RowKey> | 'all' } = {}): Promise<Pointer> {
    checkPointer('pointer', name);
    if (options.rows === undefined) return setFlag(this.store, name, false, this.now());
    await this.unflagRows(name, options.rows === 'all' ? undefined : options.rows);
    return this.pointer(name);
  }

  /** Flags rows of a pointer (adding to those flagged); returns how many of its rows are flagged now. */
  async flagRows(pointer: string, keys: ArrayLike<RowKey>): Promise<number> {
    checkPointer('pointer', pointer);
    await knownPointer(this.store, pointer);
    return flagRows(this.store, pointer, keys, this.now());
  }

  /** Unflags rows of a pointer (all of them when `keys` is omitted); returns how many stay flagged. */
  async unflagRows(pointer: string, keys?: ArrayLike<RowKey>): Promise<number> {
    checkPointer('pointer', pointer);
    return unflagRows(this.store, pointer, keys, this.now());
  }

  /** The flagged rows of a pointer. */
  async flaggedRows(pointer: string): Promise<FlaggedRows> {
    return flaggedRows(this.store, pointer);
  }

  /** Clears every flag, on pointers and on rows; returns how many pointer flags were cleared. */
  unflagAll(): Promise<number> {
    return unflagAll(this.store, this.now());
  }

  async flagged(): Promise<Pointer[]> {
    return (await this.store.scanPointers({ flagged: true })).map((r) => toPointer(r.name, r));
  }

  // ---- analysis ---------------------------------------------------------------------------

  /** The run a target stands for: the latest writer of a pointer, or the run with that id. */
  private async resolve(target: Target): Promise<{ target: Trace['target']; run: Run }> {
    let pointer: string | undefined;
    let runId: string | undefined;
    if (typeof target === 'string') pointer = checkPointer('target', target);
    else {
      const t: Record<string, unknown> = isPlainObject(target) ? target : {};
      if (typeof t.pointer === 'string') pointer = checkPointer('target.pointer', t.pointer);
      else if (typeof t.run === 'string') runId = checkRunId('target.run', t.run);
      else throw invalid('target', 'must be a pointer name, a run id, { pointer } or { run }');
    }
    if (pointer !== undefined) {
      const [writer] = await this.store.latestWriters([{ pointer }]);
      if (writer !== undefined) {
        const [run] = await this.store.getRuns([writer.id]);
        if (run !== undefined) return { target: { pointer }, run };
      }
      // A bare string that no run wrote may be a run id.
      if (typeof target !== 'string') throw notFound('pointer (no run wrote it)', pointer);
      runId = pointer;
    }
    const [run] = await this.store.getRuns([runId as string]);
    if (run === undefined) throw notFound(typeof target === 'string' ? 'pointer or run' : 'run', runId as string);
    return { target: { run: run.id }, run };
  }

  /** The DAG of runs behind a pointer's latest version or behind a run. */
  async trace(target: Target, options: TraceOptions = {}): Promise<Trace> {
    if (options.depth !== undefined && !(Number.isInteger(options.depth) && options.depth >= 0)) {
      throw invalid('depth', 'must be a whole number from 0');
    }
    const resolved = await this.resolve(target);
    return traceFromRun(this.store, resolved.run, resolved.target, options);
  }

  /** Is the run (or the run behind a pointer's latest version) stale now, and why. */
  async staleness(target: Target, options: StalenessOptions = {}): Promise<Staleness> {
    const merged = { ...this.stalenessDefaults, ...options, now: options.now ?? this.now() };
    if (merged.maxAgeDays !== undefined && !(merged.maxAgeDays >= 0)) {
      throw invalid('maxAgeDays', 'must be a number from 0');
    }
    if (merged.maxFresherRuns !== undefined) checkPositiveInt('maxFresherRuns', merged.maxFresherRuns);
    return stalenessOf(this.store, (await this.resolve(target)).run, merged);
  }

  /** Ranks the runs and components behind the flagged outputs (see Review). */
  async review(options: ReviewOptions = {}): Promise<Review> {
    if (options.method !== undefined && !['ochiai', 'tarantula', 'risk_ratio', 'coverage'].includes(options.method)) {
      throw invalid('method', `must be ochiai, tarantula, risk_ratio or coverage, got ${describe(options.method)}`);
    }
    if (options.minSupport !== undefined) checkPositiveInt('minSupport', options.minSupport);
    if (options.limit !== undefined) checkPositiveInt('limit', options.limit);
    const [flagged, rowKeys] = await Promise.all([
      this.store.scanPointers({ flagged: true }),
      this.store.listBlobs(FLAG_PREFIX),
    ]);
    const review = await reviewRuns(
      this.store,
      flagged.map((p) => p.name),
      options,
    );
    if (rowKeys.length > 0) {
      const rows = await reviewRows(this.store, {
        metric: review.method,
        ...(options.limit === undefined ? {} : { limit: options.limit }),
      });
      if (rows.F > 0) review.rows = rows;
    }
    return review;
  }

  // ---- row lineage ------------------------------------------------------------------------

  /** Stores row lineage for a run logged with logRun (run handles take it with `run.rows()`). */
  async recordRows(
    runId: string,
    lineage: readonly (RowLineageSpec | RowRecorder)[],
    options: RowCaptureOptions = {},
  ): Promise<RowCaptureSummary> {
    await this.inspect(runId);
    return writeRowLineage(this.store, runId, lineage, options);
  }

  /** Traces one row of a pointer backward to the rows it came from, down to raw records. */
  async traceRow(pointer: string, key: RowKey, options: RowTraceOptions = {}): Promise<RowTrace> {
    return traceRow(this.store, pointer, key, options);
  }

  /** Follows one row forward: which rows of which outputs derive from it. */
  async impact(pointer: string, key: RowKey, options: RowTraceOptions = {}): Promise<RowTrace> {
    return impact(this.store, pointer, key, options);
  }

  /** The whole lineage as a graphology graph, built from the store when asked. */
  async graph(options: { component?: string; since?: number } = {}): Promise<Graph<LineageNode, LineageEdge>> {
    const runs: Run[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.scanRuns({
        component: options.component,
        since: options.since,
        limit: 10_000,
        cursor,
        order: 'asc',
      });
      runs.push(...page.runs);
      cursor = page.cursor;
    } while (cursor !== undefined);
    const records = new Map((await this.store.scanPointers()).map((p) => [p.name, p]));
    return lineageGraph(runs, (name) => records.get(name));
  }
}

/** A pipetrace instance over the given store. */
export function createPipetrace(options: PipetraceOptions): Pipetrace {
  return new Pipetrace(options);
}
