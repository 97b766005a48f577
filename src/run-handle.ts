import { invalid, PipetraceError } from './errors.js';
import type { CodeVersion, JsonValue, Note, Run, RunStatus } from './model.js';
import { type RowCaptureOptions, type RowLineageSpec, RowRecorder } from './rows/capture.js';
import {
  checkCodeVersion,
  checkIdentifier,
  checkJson,
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
  private readonly inputs = new Set<string>();
  private readonly outputs = new Set<string>();
  // Allocated on first use: most runs have none, and logging should cost little.
  private notes: Note[] | undefined;
  private params: Record<string, JsonValue> | undefined;
  private metrics: Record<string, number> | undefined;
  private code: CodeVersion | undefined;
  private snapshot: string | undefined;
  private readonly lineage: RowLineage = { pairs: [], options: {} };

  /** @internal Created by Pipetrace.startRun. */
  constructor(
    fields: { id: string; component: string; startedAt: number; code: CodeVersion | undefined },
    private readonly now: () => number,
    private readonly commit: (run: Run, rows: RowLineage) => Promise<Run>,
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
    for (const name of checkNameList('inputs', names, checkPointer)) this.inputs.add(name);
    return this;
  }

  /** Adds pointers written; duplicates collapse. */
  addOutputs(names: string | string[]): this {
    this.open();
    for (const name of checkNameList('outputs', names, checkPointer)) this.outputs.add(name);
    return this;
  }

  note(text: string): this {
    this.open();
    (this.notes ??= []).push({ at: this.now(), text: checkText('note', text) });
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
    this.lineage.pairs.push(...list);
    if (options.keepKeys === true) this.lineage.options.keepKeys = true;
    return this;
  }

  /** A recorder for one pair, fed a row at a time (`add(outputKey, inputKey)`); stored when the run ends. */
  rowRecorder(
    output: string,
    input: string,
    kind: 'map' | 'many' | 'keep',
    options: RowCaptureOptions & { expected?: number } = {},
  ): RowRecorder {
    this.open();
    const recorder = new RowRecorder(output, input, kind, options);
    this.lineage.pairs.push(recorder);
    return recorder;
  }

  /** Ends the run as succeeded, infers its dependencies and stores it. */
  end(options: RunEnd = {}): Promise<Run> {
    return this.finish('succeeded', undefined, options);
  }

  /** Ends the run as failed with the error, and stores it. */
  fail(error: unknown, options: RunEnd = {}): Promise<Run> {
    return this.finish('failed', error, options);
  }

  private async finish(status: 'succeeded' | 'failed', error: unknown, options: RunEnd): Promise<Run> {
    this.open();
    const endedAt =
      options.endedAt === undefined ? Math.max(this.now(), this.startedAt) : checkTime('endedAt', options.endedAt);
    if (endedAt < this.startedAt) throw invalid('endedAt', 'is before the run started');
    const outputs = options.outputs === undefined ? [] : checkNameList('outputs', options.outputs, checkPointer);
    if (options.metrics !== undefined) this.setMetrics(options.metrics);
    for (const o of outputs) this.outputs.add(o);
    const run: Run = {
      id: this.id,
      component: this.component,
      startedAt: this.startedAt,
      endedAt,
      status,
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      dependencies: [],
      notes: this.notes === undefined ? [] : this.notes.slice(),
      params: { ...this.params },
      metrics: { ...this.metrics },
    };
    if (status === 'failed') run.error = toRunError(error);
    if (this.code !== undefined) run.code = this.code;
    if (this.snapshot !== undefined) run.snapshot = this.snapshot;
    this.state = status;
    try {
      return await this.commit(run, this.lineage);
    } catch (err) {
      // Not stored: let the caller try again.
      this.state = 'running';
      throw err;
    }
  }
}
