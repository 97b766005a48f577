import { checkCheckResults } from './checks/record.js';
import { invalid, PipetraceError } from './errors.js';
import type { CheckResult, CodeVersion, JsonValue, Note, Run, RunStatus } from './model.js';
import { mergeProfiles, type Profile, type ProfileData, profileData } from './monitor/profile.js';
import { type RowCaptureOptions, type RowLineageSpec, RowRecorder } from './rows/capture.js';
import {
  checkCodeVersion,
  checkIdentifier,
  checkJson,
  checkJsonRecord,
  checkNameList,
  checkPointer,
  checkText,
  checkTime,
  describe,
  MAX_SNAPSHOT_LENGTH,
  toRunError,
} from './validate.js';

/** Row lineage a run handle collected, written with the run. */
export interface RowLineage {
  pairs: (RowLineageSpec | RowRecorder)[];
  options: RowCaptureOptions;
}

/** @internal Where a handle stores its run (the Pipetrace that started it). */
export interface RunSink {
  now(): number;
  /** Stores the run with its row lineage and profiles; calls `reopen` before rejecting when nothing was stored. */
  commit(
    run: Run,
    rows: RowLineage | undefined,
    reopen: () => void,
    profiles?: ReadonlyMap<string, Profile>,
  ): Promise<Run>;
}

export interface RunEnd {
  /** Default: now. */
  endedAt?: Date | number | string;
  /** Outputs to add before ending. */
  outputs?: string | string[];
  metrics?: Record<string, number>;
}

/**
 * A run in progress: add inputs, outputs, notes, params and metrics, then `end()` or `fail()`.
 * Nothing is stored until then, so a run is stored whole or not at all. Every method checks its
 * input and throws invalid_input without changing the run.
 */
export class RunHandle {
  readonly id: string;
  readonly component: string;
  readonly startedAt: number;
  private state: RunStatus = 'running';
  private readonly inputs: string[] = [];
  private readonly outputs: string[] = [];
  // Allocated on first use: most runs have none, and logging should cost little.
  private notes: Note[] | undefined;
  private params: Record<string, JsonValue> | undefined;
  private metrics: Record<string, number> | undefined;
  private code: CodeVersion | undefined;
  private snapshot: string | undefined;
  private lineage: RowLineage | undefined;
  private profiles: Map<string, Profile> | undefined;
  private checks: CheckResult[] | undefined;
  /** @internal The end time a checked call took from its last check's clock reading (see checks/call.ts). */
  endsAt: number | undefined;

  /** @internal Created by Pipetrace.startRun. */
  constructor(
    fields: { id: string; component: string; startedAt: number; code: CodeVersion | undefined },
    private readonly sink: RunSink,
  ) {
    this.id = fields.id;
    this.component = fields.component;
    this.startedAt = fields.startedAt;
    this.code = fields.code;
  }

  get status(): RunStatus {
    return this.state;
  }

  private open(): void {
    if (this.state !== 'running') {
      throw new PipetraceError(
        'conflict',
        `run ${this.id} has already ${this.state === 'failed' ? 'failed' : 'ended'}`,
      );
    }
  }

  /** Adds pointers read; duplicates collapse. */
  addInputs(names: string | string[]): this {
    this.open();
    addUnique(this.inputs, checkNameList('inputs', names, checkPointer));
    return this;
  }

  /** Adds pointers written; duplicates collapse. */
  addOutputs(names: string | string[]): this {
    this.open();
    addUnique(this.outputs, checkNameList('outputs', names, checkPointer));
    return this;
  }

  note(text: string): this {
    this.open();
    (this.notes ??= []).push({ at: this.sink.now(), text: checkText('note', text) });
    return this;
  }

  /** Sets a parameter; the value must be JSON (finite numbers, strings, booleans, null, arrays, plain objects). */
  param(key: string, value: JsonValue): this {
    this.open();
    const k = checkIdentifier('param key', key);
    (this.params ??= {})[k] = checkJson(`params.${k}`, value);
    return this;
  }

  setParams(record: Record<string, JsonValue>): this {
    this.open();
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw invalid('params', `must be an object, got ${describe(record)}`);
    }
    const checked: [string, JsonValue][] = Object.keys(record).map((key) => {
      const k = checkIdentifier('param key', key);
      return [k, checkJson(`params.${k}`, record[key])];
    });
    const params = (this.params ??= {});
    for (const [k, v] of checked) params[k] = v;
    return this;
  }

  metric(key: string, value: number): this {
    this.open();
    const k = checkIdentifier('metric key', key);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw invalid(`metrics.${k}`, `must be a finite number, got ${describe(value)}`);
    }
    (this.metrics ??= {})[k] = value;
    return this;
  }

  setMetrics(record: Record<string, number>): this {
    this.open();
    if (typeof record !== 'object' || record === null) throw invalid('metrics', 'must be an object');
    for (const key of Object.keys(record)) {
      checkIdentifier('metric key', key);
      const v = record[key];
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw invalid(`metrics.${key}`, `must be a finite number, got ${describe(v)}`);
    }
    Object.assign((this.metrics ??= {}), record);
    return this;
  }

  setCode(code: CodeVersion): this {
    this.open();
    this.code = checkCodeVersion('code', code);
    return this;
  }

  /** Keeps the source text of the code that ran, shown on the run card. */
  setSnapshot(text: string): this {
    this.open();
    this.snapshot = checkText('snapshot', text, MAX_SNAPSHOT_LENGTH);
    return this;
  }

  /** Adds results of checks run outside pipetrace (`{ name, phase, outcome, message?, durationMs? }`). */
  addChecks(results: CheckResult[]): this {
    this.open();
    const checked = checkCheckResults('checks', results);
    (this.checks ??= []).push(...checked);
    return this;
  }

  /** @internal Results of a wrap's checks, well-formed by construction; keeps the array when it is the first. */
  recordChecks(results: CheckResult[]): void {
    if (results.length === 0) return;
    if (this.checks === undefined) this.checks = results;
    else this.checks.push(...results);
  }

  /**
   * Records which input rows each output row came from, for one or more (output, input) pairs:
   * `{ output, input, kind: 'map' | 'many', outputKeys, inputKeys }`, `{ kind: 'keep', keys }`
   * or `{ kind: 'pass' }`. Keys are hashed and stored with the run when it ends.
   */
  rows(
    lineage: RowLineageSpec | RowRecorder | readonly (RowLineageSpec | RowRecorder)[],
    options: RowCaptureOptions = {},
  ): this {
    this.open();
    const list = Array.isArray(lineage) ? lineage : [lineage as RowLineageSpec | RowRecorder];
    const rows = (this.lineage ??= { pairs: [], options: {} });
    rows.pairs.push(...list);
    if (options.keepKeys === true) rows.options.keepKeys = true;
    return this;
  }

  /** A recorder for one pair, fed a row at a time (`add(outputKey, inputKey)`); stored when the run ends. */
  rowRecorder(
    output: string,
    input: string,
    kind: 'map' | 'many' | 'keep',
    options: RowCaptureOptions & { expected?: number; profile?: boolean } = {},
  ): RowRecorder {
    this.open();
    const recorder = new RowRecorder(output, input, kind, options);
    (this.lineage ??= { pairs: [], options: {} }).pairs.push(recorder);
    return recorder;
  }

  /**
   * Records a compact summary of what the run writes to `output` (added to its outputs):
   * columns `{ name: values }` of one length, or rows `[{...}]`. Numbers (typed arrays too),
   * strings and booleans; null, undefined, NaN and ±Infinity count as missing. Called again for
   * the same output, it adds to that profile (batches). Stored with the run when it ends.
   */
  profile(output: string, data: ProfileData): this {
    this.open();
    const name = checkPointer('output', output);
    const field = `profile(${JSON.stringify(name)})`;
    const fresh = profileData(field, data);
    const profiles = (this.profiles ??= new Map());
    const before = profiles.get(name);
    // Merged before anything changes: a column of another type refuses the batch whole.
    profiles.set(name, before === undefined ? fresh : mergeProfiles(field, before, fresh));
    addUnique(this.outputs, [name]);
    return this;
  }

  /** Ends the run as succeeded, infers its dependencies and stores it. */
  end(options: RunEnd = {}): Promise<Run> {
    return this.finish('succeeded', undefined, options);
  }

  /** Ends the run as failed with the error, and stores it. */
  fail(error: unknown, options: RunEnd = {}): Promise<Run> {
    return this.finish('failed', error, options);
  }

  private finish(status: 'succeeded' | 'failed', error: unknown, options: RunEnd): Promise<Run> {
    let run: Run;
    let profiles: Map<string, Profile> | undefined;
    try {
      this.open();
      // First: a recorder's last batch of rows may still be refused, and then nothing changed.
      profiles = this.collectProfiles();
      run = this.build(status, error, options);
    } catch (err) {
      return Promise.reject(err);
    }
    this.state = status;
    // Not stored: let the caller try again.
    return this.sink.commit(
      run,
      this.lineage,
      () => {
        this.state = 'running';
      },
      profiles,
    );
  }

  /** The profiles to store: those given to profile(), and those of row recorders with `profile`. */
  private collectProfiles(): Map<string, Profile> | undefined {
    let profiles = this.profiles;
    for (const pair of this.lineage?.pairs ?? []) {
      const seen = pair instanceof RowRecorder ? pair.profiled() : undefined;
      if (seen === undefined) continue;
      profiles = new Map(profiles);
      const before = profiles.get(pair.output);
      const field = `profile(${JSON.stringify(pair.output)})`;
      profiles.set(pair.output, before === undefined ? seen : mergeProfiles(field, before, seen));
    }
    // Every profile checked: now their outputs count as written.
    if (profiles !== this.profiles && profiles !== undefined) addUnique(this.outputs, [...profiles.keys()]);
    return profiles;
  }

  /** The run as it will be stored, from the handle and the end options; checks them all before using any. */
  private build(status: 'succeeded' | 'failed', error: unknown, options: RunEnd): Run {
    this.open();
    const endedAt =
      options.endedAt === undefined
        ? Math.max(this.endsAt ?? this.sink.now(), this.startedAt)
        : checkTime('endedAt', options.endedAt);
    if (endedAt < this.startedAt) throw invalid('endedAt', 'is before the run started');
    const outputs = options.outputs === undefined ? [] : checkNameList('outputs', options.outputs, checkPointer);
    if (options.metrics !== undefined) this.setMetrics(options.metrics);
    addUnique(this.outputs, outputs);
    const run: Run = {
      id: this.id,
      component: this.component,
      startedAt: this.startedAt,
      endedAt,
      status,
      // The handle's own lists: once ended it never changes them again (and if storing fails,
      // this run object is dropped before the handle reopens).
      inputs: this.inputs,
      outputs: this.outputs,
      dependencies: [],
      notes: this.notes ?? [],
      params: this.params === undefined ? {} : checkJsonRecord('params', this.params),
      metrics: this.metrics === undefined ? {} : { ...this.metrics },
    };
    if (status === 'failed') run.error = toRunError(error);
    if (this.code !== undefined) run.code = this.code;
    if (this.snapshot !== undefined) run.snapshot = this.snapshot;
    if (this.checks !== undefined) run.checks = this.checks;
    return run;
  }
}

/** Appends the names not in `list` yet (lists are short; long ones get a Set). */
function addUnique(list: string[], names: readonly string[]): void {
  if (list.length === 0 && names.length <= 64) {
    list.push(...names);
    return;
  }
  if (list.length + names.length > 64) {
    const seen = new Set(list);
    for (const n of names) {
      if (!seen.has(n)) {
        seen.add(n);
        list.push(n);
      }
    }
    return;
  }
  for (const n of names) if (!list.includes(n)) list.push(n);
}
