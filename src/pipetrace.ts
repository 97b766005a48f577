import { type HistoryOptions, historyOf, recentRuns } from './analysis/history.js';
import { checkLatestRunsOptions, type LatestRun, type LatestRunsOptions, latestRuns } from './analysis/latest-runs.js';
import { checkReviewOptions, type Review, type ReviewOptions, reviewRuns } from './analysis/review.js';
import { checkStalenessOptions, type Staleness, type StalenessOptions, stalenessOf } from './analysis/staleness.js';
import { checkTraceOptions, type Trace, type TraceHeads, type TraceOptions, traceFromRun } from './analysis/trace.js';
import { traceHeads } from './analysis/trace-heads.js';
import { decodeTraceCursor } from './analysis/trace-page.js';
import { type CheckPlan, type ChecksOption, mergePlans, planChecks } from './checks/declare.js';
import { type CheckHistory, type ChecksQuery, checkHistory } from './checks/query.js';
import { type ComponentInput, listComponents, tagCounts, upsertComponent } from './components.js';
import { invalid, notFound, PipetraceError } from './errors.js';
import { type LineageGraph, lineageGraph } from './graph.js';
import { uuidv7 } from './ids.js';
import { attachLabel, type LabelOptions, type LabelSummary } from './labels/attach.js';
import {
  checkLabel,
  checkLabelledOptions,
  type Labelled,
  type LabelledOptions,
  labelledOf,
} from './labels/labelled.js';
import {
  checkRetractionsOptions,
  checkRetractOptions,
  closeRetraction,
  listRetractions,
  type Retraction,
  type RetractionReport,
  retract,
  retractionReport,
} from './labels/retract.js';
import type { CodeVersion, Component, Pointer, PointerType, Run } from './model.js';
import {
  checkDriftOptions,
  type DriftOptions,
  type DriftReport,
  driftOf,
  type ProfileSummary,
  pinBaseline,
  profileSummary,
  type ReferenceRef,
  unpinBaseline,
} from './monitor/drift.js';
import { checkMonitorOptions, type MonitorOptions, type MonitorReport, monitorSteps } from './monitor/monitor.js';
import { type ProfileData, profileData } from './monitor/profile.js';
import { writeProfiles } from './monitor/profile-store.js';
import { knownPointer, setFlag, setType, toPointer, unflagAll } from './pointers.js';
import { FLAG_PREFIX } from './rows/flags.js';
import { hashKeys } from './rows/format/keys.js';
import {
  checkPairPointers,
  type FlaggedRowCount,
  type FlaggedRows,
  flaggedRowCounts,
  flaggedRows,
  flagRows,
  impact,
  type RowCaptureOptions,
  type RowCaptureSummary,
  type RowKey,
  type RowLineageSpec,
  type RowReclaimOptions,
  type RowReclaimReport,
  type RowRecorder,
  type RowReview,
  type RowReviewOptions,
  type RowTrace,
  type RowTraceOptions,
  reclaimRowChunks,
  reviewRows,
  traceRow,
  unflagRows,
  writeRowLineage,
} from './rows/index.js';
import { refuseUnknownKeys, unknownRowKeys } from './rows/known-keys.js';
import { checkRowReviewOptions, checkRowTraceOptions } from './rows/query-options.js';
import { RunHandle } from './run-handle.js';
import { type RunInput, runFromInput } from './run-input.js';
import { findRun } from './run-prefix.js';
import { RunWriter } from './run-writer.js';
import type { RunPage, Store } from './store.js';
import { checkTarget, resolveTarget, type Target, writerAt, writerOf } from './target.js';
import { checkMetricsOptions } from './task/metrics.js';
import { Task } from './task/task.js';
import { listTasks } from './task/task-store.js';
import type { TaskMetrics, TaskMetricsQuery, TaskSummary } from './task/types.js';
import {
  checkCodeVersion,
  checkIdentifier,
  checkNameList,
  checkPointer,
  checkPointerType,
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

export type { HistoryOptions } from './analysis/history.js';
export type { Target } from './target.js';

/** The pipetrace API: log runs, then ask what produced what, what is stale and who is to blame. */
export class Pipetrace {
  readonly store: Store;
  private readonly now: () => number;
  private readonly code: PipetraceOptions['codeVersion'];
  private readonly stalenessDefaults: Omit<StalenessOptions, 'now'>;
  private readonly onError: (error: unknown) => void;
  private readonly writer: RunWriter;
  private pending: Promise<void> = Promise.resolve();
  /** Checks declared with component(name, { checks }), run on every wrapped call of it. */
  private readonly componentChecks = new Map<string, CheckPlan>();
  /** Counts changes to componentChecks, so a wrap merges its plan again only after one. */
  private checksVersion = 0;
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

  /**
   * Creates a component, or updates the fields given if it exists. `checks` (kept in this
   * instance, not stored) run on every wrapped call of the component, before the wrap's own.
   */
  async component<A extends unknown[] = unknown[], R = unknown>(
    name: string,
    input: ComponentInput & { checks?: ChecksOption<A, R> } = {},
  ): Promise<Component> {
    const { checks, ...fields } = isPlainObject(input) ? input : { checks: undefined };
    const plan = planChecks('checks', checks);
    const component = await upsertComponent(this.store, name, isPlainObject(input) ? fields : input, this.now());
    // Like the other fields, checks change only when given (`checks: {}` removes them).
    if (checks !== undefined) {
      if (plan === undefined) this.componentChecks.delete(name);
      else this.componentChecks.set(name, plan);
      this.checksVersion++;
    }
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
    // The code version first: the first run must not time pipetrace's own start-up (git calls).
    const code = options.code === undefined ? this.codeVersion() : checkCodeVersion('code', options.code);
    const startedAt = options.startedAt === undefined ? this.now() : checkTime('startedAt', options.startedAt);
    const id = options.id === undefined ? uuidv7(startedAt) : checkRunId('id', options.id);
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
    const own = planChecks('checks', options.checks);
    let plan: CheckPlan | undefined;
    let planned = -1;
    return wrapFunction(
      fn,
      options,
      () => this.startRun(component, snapshot === undefined ? {} : { snapshot }),
      (write) => this.background(write),
      {
        plan: () => {
          // Merged again only when some component's checks changed since.
          if (planned !== this.checksVersion) {
            plan = mergePlans(this.componentChecks.get(component), own);
            planned = this.checksVersion;
          }
          return plan;
        },
        flag: (pointers) => Promise.all(pointers.map((p) => setFlag(this.store, p, true, this.now()))),
        sharedEnd: this.now === Date.now,
      },
    );
  }

  private background(write: Promise<unknown>): void {
    // Settles to undefined, not to the write's run: a chain of results would keep every run
    // logged in the background alive until the Pipetrace itself is dropped.
    const before = this.pending;
    this.pending = write.then(
      () => before,
      (error) => {
        this.backgroundError ??= error;
        this.onError(error);
        return before;
      },
    );
  }

  /** Waits for background logging (wrapped synchronous functions); rejects with its first error. */
  async flush(): Promise<void> {
    await this.pending;
    const error = this.backgroundError;
    this.backgroundError = undefined;
    if (error !== undefined) throw error;
  }

  // ---- runs -------------------------------------------------------------------------------

  /** A run by id, or by a unique prefix of its id (git-style; several matches: `ambiguous`). */
  async inspect(runId: string): Promise<Run> {
    checkRunId('run id', runId);
    const run = await findRun(this.store, runId);
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
  history(component: string, options: HistoryOptions = {}): Promise<RunPage> {
    return historyOf(this.store, component, options);
  }

  /** The latest runs of all components, newest first. */
  recent(limit = 10): Promise<Run[]> {
    return recentRuns(this.store, limit);
  }

  /** Check results over time, oldest first: of a component, since a time, with an outcome. */
  checks(query: ChecksQuery = {}): Promise<CheckHistory> {
    return checkHistory(this.store, query);
  }

  // ---- pointers and flags -----------------------------------------------------------------

  /** A pointer's type and flag; not_found for a pointer no run wrote or read and no one typed or flagged. */
  async pointer(name: string): Promise<Pointer> {
    checkPointer('pointer', name);
    return toPointer(name, await knownPointer(this.store, name));
  }

  async setPointerType(name: string, type: PointerType): Promise<Pointer> {
    checkPointer('pointer', name);
    checkPointerType('type', type);
    return setType(this.store, name, type, this.now());
  }

  /** Marks a pointer as wrong (rows of it: `flagRows`). */
  async flag(name: string, ...rest: never[]): Promise<Pointer> {
    checkPointer('pointer', name);
    noOptions('flag', rest, 'flagRows(pointer, keys)');
    return setFlag(this.store, name, true, this.now());
  }

  /** Clears a pointer's flag (rows of it: `unflagRows`). */
  async unflag(name: string, ...rest: never[]): Promise<Pointer> {
    checkPointer('pointer', name);
    noOptions('unflag', rest, 'unflagRows(pointer, keys)');
    return setFlag(this.store, name, false, this.now());
  }

  /**
   * Flags rows of a pointer (adding to those flagged); returns how many of its rows are flagged
   * now. A key its row lineage never recorded is not_found, and then nothing is flagged.
   */
  async flagRows(pointer: string, keys: ArrayLike<RowKey>): Promise<number> {
    checkPointer('pointer', pointer);
    await knownPointer(this.store, pointer);
    const writer = await writerOf(this.store, pointer);
    refuseUnknownKeys(pointer, writer, keys, await unknownRowKeys(this.store, pointer, writer, hashKeys(keys)));
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

  /** Every pointer with flagged rows and how many of its rows are flagged. */
  async flaggedRowCounts(): Promise<FlaggedRowCount[]> {
    return flaggedRowCounts(this.store);
  }

  /** Clears every flag, on pointers and on rows; returns how many pointer flags were cleared. */
  unflagAll(): Promise<number> {
    return unflagAll(this.store, this.now());
  }

  async flagged(): Promise<Pointer[]> {
    return (await this.store.scanPointers({ flagged: true })).map((r) => toPointer(r.name, r));
  }

  // ---- analysis ---------------------------------------------------------------------------

  /** The DAG of runs behind a pointer's latest version or behind a run. */
  trace(target: Target, options?: TraceOptions & { headsAbove?: undefined }): Promise<Trace>;
  /** With `headsAbove`: an answer over that many runs comes as their heads (`TraceHeads`). */
  trace(target: Target, options?: TraceOptions): Promise<Trace | TraceHeads>;
  async trace(target: Target, options: TraceOptions = {}): Promise<Trace | TraceHeads> {
    checkTraceOptions(options);
    const { headsAbove, ...rest } = options;
    const trace = await this.wholeTrace(target, rest);
    return headsAbove !== undefined && trace.nodes.length > headsAbove ? traceHeads(trace) : trace;
  }

  /** The trace (or its page) with whole runs. */
  private async wholeTrace(target: Target, options: Omit<TraceOptions, 'headsAbove'>): Promise<Trace> {
    const { at, ...rest } = options;
    const named = typeof target === 'string' ? target : 'pointer' in target ? target.pointer : undefined;
    // A next page: the root run the first page traced, whatever the pointer names now.
    if (rest.cursor !== undefined) {
      const [run] = await this.store.getRuns([decodeTraceCursor(rest.cursor).root]);
      if (run === undefined)
        throw invalid(
          'cursor',
          'its root run is not in the store (deleted, or the cursor was not returned by a trace)',
        );
      const checked = checkTarget(target);
      const named = typeof checked === 'string' ? (await resolveTarget(this.store, checked)).target : checked;
      return traceFromRun(this.store, run, named, rest);
    }
    // An earlier version of a pointer: its writer at that time, traced as the pointer.
    if (at !== undefined && named !== undefined) {
      const run = await writerAt(this.store, named, at);
      return traceFromRun(this.store, run, { pointer: named }, rest);
    }
    const resolved = await resolveTarget(this.store, target);
    return traceFromRun(this.store, resolved.run, resolved.target, rest);
  }

  /** Is the run (or the run behind a pointer's latest version) stale now, and why. */
  async staleness(target: Target, options: StalenessOptions = {}): Promise<Staleness> {
    checkStalenessOptions(options);
    const merged = { ...this.stalenessDefaults, ...options, now: options.now ?? this.now() };
    return stalenessOf(this.store, (await resolveTarget(this.store, target)).run, merged);
  }

  /** The newest run of each component with its staleness, in one answer (the first `limit` components by name). */
  async latestRuns(options: LatestRunsOptions = {}): Promise<LatestRun[]> {
    checkLatestRunsOptions(options);
    return latestRuns(this.store, { ...this.stalenessDefaults, ...options, now: options.now ?? this.now() });
  }

  /** Ranks the runs and components behind the flagged outputs, and with flagged rows, rows too (see Review). */
  async review(options: ReviewOptions = {}): Promise<Review> {
    checkReviewOptions(options);
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

  /** Ranks runs, component versions and upstream rows behind the flagged rows only. */
  reviewRows(options: RowReviewOptions = {}): Promise<RowReview> {
    return reviewRows(this.store, checkRowReviewOptions(options));
  }

  // ---- row lineage ------------------------------------------------------------------------

  /** Stores row lineage for a run logged with logRun (run handles take it with `run.rows()`). */
  async recordRows(
    runId: string,
    lineage: readonly (RowLineageSpec | RowRecorder)[],
    options: RowCaptureOptions = {},
  ): Promise<RowCaptureSummary> {
    const run = await this.inspect(runId);
    if (Array.isArray(lineage)) checkPairPointers(run, lineage);
    return writeRowLineage(this.store, run.id, lineage, options);
  }

  /** Traces one row of a pointer backward to the rows it came from, down to raw records. */
  async traceRow(pointer: string, key: RowKey, options: RowTraceOptions = {}): Promise<RowTrace> {
    return traceRow(this.store, pointer, key, checkRowTraceOptions(options));
  }

  /** Follows one row forward: which rows of which outputs derive from it. */
  async impact(pointer: string, key: RowKey, options: RowTraceOptions = {}): Promise<RowTrace> {
    return impact(this.store, pointer, key, checkRowTraceOptions(options));
  }

  /**
   * Deletes the row chunks no run's manifest names and no capture in progress holds: what a
   * big capture that failed or was killed midway left (see reclaimRowChunks).
   */
  async reclaimRowChunks(options: RowReclaimOptions = {}): Promise<RowReclaimReport> {
    return reclaimRowChunks(this.store, options);
  }

  // ---- labels and retraction -------------------------------------------------------------

  /**
   * Attaches a label (`customer:42`, `source:vendor-b`, `pii`) to a pointer's latest version, or
   * with `rows` to those rows of it. What it reached is computed from lineage when asked.
   */
  label(pointer: string, label: string, options: LabelOptions = {}): Promise<LabelSummary> {
    return attachLabel(this.store, pointer, label, options, this.now());
  }

  /** Every pointer version and row derived from data carrying `label`, exact where rows were recorded. */
  async labelled(label: string, options: LabelledOptions = {}): Promise<Labelled> {
    checkLabel('label', label);
    return labelledOf(this.store, label, checkLabelledOptions(options));
  }

  /**
   * Retracts a label: records it with its time, flags every derived output (or its rows) still in
   * use with reason `retracted:<label>`, and reports what was built from the data and what to rebuild.
   */
  async retract(label: string, options: { reason: string }): Promise<RetractionReport> {
    checkLabel('label', label);
    const { reason } = checkRetractOptions(options);
    return retract(this.store, label, reason, this.now());
  }

  /** Closes a label's retraction, clearing the flags it set and nothing else. */
  async closeRetraction(label: string): Promise<Retraction> {
    checkLabel('label', label);
    return closeRetraction(this.store, label, this.now());
  }

  /** Open retractions, oldest first (`all`: closed ones too). */
  async retractions(options: { all?: boolean } = {}): Promise<Retraction[]> {
    return listRetractions(this.store, checkRetractionsOptions(options));
  }

  /** A retraction's report, recomputed from lineage now (violations included). */
  async retraction(label: string): Promise<RetractionReport> {
    checkLabel('label', label);
    return retractionReport(this.store, label);
  }

  // ---- monitoring -------------------------------------------------------------------------

  /**
   * Stores a profile of what a run logged with logRun wrote to `output` (run handles take it
   * with `run.profile()`). Replaces an earlier profile of that output.
   */
  async recordProfile(runId: string, output: string, data: ProfileData): Promise<void> {
    checkPointer('output', output);
    const profile = profileData(`profile(${JSON.stringify(output)})`, data);
    const run = await this.inspect(runId);
    if (!run.outputs.includes(output))
      throw invalid('output', `run ${JSON.stringify(runId)} did not write ${JSON.stringify(output)}`);
    await writeProfiles(this.store, runId, new Map([[output, profile]]));
  }

  /** The profile a run stored for a pointer: counts, moments, quantiles, top values. */
  async profile(target: Target, output?: string): Promise<ProfileSummary> {
    if (output !== undefined) checkPointer('output', output);
    return profileSummary(this.store, target, output);
  }

  /**
   * Compares a pointer's latest profile (or a run's profiled outputs) with a reference: a pinned
   * baseline or else the previous run by default (see DriftReference), column by column, as
   * effect sizes with thresholds.
   */
  async drift(target: Target, options: DriftOptions = {}): Promise<DriftReport> {
    return driftOf(this.store, target, checkDriftOptions(options));
  }

  /** Checks the newest output of every step against its reference, in pipeline order. */
  async monitor(options: MonitorOptions = {}): Promise<MonitorReport> {
    return monitorSteps(this.store, checkMonitorOptions(options));
  }

  /** Pins a pointer's profile (latest, a run's, or the `runs` latest merged) as the reference drift uses for it. */
  pinBaseline(pointer: string, options: { run?: string; runs?: number } = {}): Promise<ReferenceRef> {
    return pinBaseline(this.store, pointer, options, this.now());
  }

  /** Removes a pointer's pinned baseline; resolves true when there was one. */
  unpinBaseline(pointer: string): Promise<boolean> {
    return unpinBaseline(this.store, pointer);
  }

  // ---- tasks: outputs and late feedback ---------------------------------------------------

  /** A task by name: log outputs and (later) feedback by id, then windowed metrics and feedback rules. */
  task(name: string): Task {
    return new Task(this.store, name, this.now);
  }

  /** Every task with anything logged, by name, with its counts. */
  tasks(): Promise<TaskSummary[]> {
    return listTasks(this.store);
  }

  /** A task's metric by time window (a named metric; `task(name).metrics` also takes a function). */
  async taskMetrics(task: string, options: TaskMetricsQuery): Promise<TaskMetrics> {
    const checked = checkMetricsOptions(options, false);
    return this.task(task).metricsChecked(checked);
  }

  /** The whole lineage as a graphology graph, built from the store when asked. */
  async graph(options: { component?: string; since?: number } = {}): Promise<LineageGraph> {
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

/** A method that takes no options refuses them rather than ignoring them. */
function noOptions(method: string, rest: unknown[], instead: string): void {
  if (rest.length > 0 && rest.some((x) => x !== undefined))
    throw invalid('options', `${method} takes no options (for rows use ${instead})`);
}

/** A pipetrace instance over the given store. */
export function createPipetrace(options: PipetraceOptions): Pipetrace {
  return new Pipetrace(options);
}
