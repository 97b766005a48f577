/**
 * A task: a model's outputs and the feedback (the truth) that arrives later, joined by id. An
 * output id is the prediction's row key, so outputs line up with row lineage, and a feedback
 * rule can flag the rows of predictions that missed.
 */
import { notFound } from '../errors.js';
import type { Store } from '../store.js';
import { checkIdentifier, checkOptions } from '../validate.js';
import { checkBatch, type StoredBatch } from './batch.js';
import { checkRule, flagMisses } from './flag-rule.js';
import { indexOutputs, type JoinedPairs, joinBatches, type OutputIndex, unmatchedOf } from './join.js';
import { type CheckedMetricsOptions, checkMetricsOptions, checkRange, metricPoints } from './metrics.js';
import { batchKeys, readBatches, type Side, taskExists, writeBatch } from './task-store.js';
import type {
  FeedbackRule,
  FlagMissesOptions,
  FlagMissesResult,
  LogFeedbackOptions,
  LogFeedbackResult,
  LogOutputsOptions,
  LogResult,
  TaskMetrics,
  TaskMetricsOptions,
  TaskValues,
} from './types.js';

// The output index of a task, reused while its output batches are the same keys.
const indexes = new WeakMap<Store, Map<string, { sig: string; index: OutputIndex }>>();

export class Task {
  readonly name: string;
  private readonly store: Store;
  private readonly now: () => number;

  constructor(store: Store, name: string, now: () => number) {
    this.name = checkIdentifier('task', name);
    this.store = store;
    this.now = now;
  }

  /** Logs predictions: ids (row keys of `pointer`, when given) and their values, in one write. */
  async logOutputs(ids: readonly string[], values: TaskValues, options: LogOutputsOptions = {}): Promise<LogResult> {
    const o = checkOptions<LogOutputsOptions>('options', options, ['at', 'pointer']);
    const batch = checkBatch(ids, values, o.at, o.pointer, this.now());
    await writeBatch(this.store, this.name, 'o', batch, this.now());
    return { task: this.name, logged: batch.ids.length };
  }

  /**
   * Logs feedback (the true values), possibly days after the outputs, in one write. Feedback for
   * ids with no output yet is kept and reported; it joins when the output is logged.
   */
  async logFeedback(
    ids: readonly string[],
    values: TaskValues,
    options: LogFeedbackOptions = {},
  ): Promise<LogFeedbackResult> {
    const o = checkOptions<LogFeedbackOptions>('options', options, ['at']);
    const batch = checkBatch(ids, values, o.at, undefined, this.now());
    const written = await writeBatch(this.store, this.name, 'f', batch, this.now());
    const { index } = await this.outputs();
    const unmatched = unmatchedOf(index, written);
    return { task: this.name, logged: batch.ids.length, unmatched: unmatched.count, unmatchedIds: unmatched.ids };
  }

  /** A metric over time windows of the joined pairs (see TaskMetricsOptions). */
  async metrics(options: TaskMetricsOptions): Promise<TaskMetrics> {
    return this.metricsChecked(checkMetricsOptions(options));
  }

  /** @internal metrics with options already checked (the query refuses functions). */
  async metricsChecked(o: CheckedMetricsOptions): Promise<TaskMetrics> {
    const pairs = await this.join();
    return {
      task: this.name,
      metric: o.metricName,
      window: o.window.text,
      windowMs: o.window.ms,
      by: o.by,
      points: metricPoints(this.name, pairs, o),
      unmatched: pairs.unmatched,
    };
  }

  /**
   * Flags the rows of predictions that missed by `rule` ({ absError }, { relError },
   * { wrongClass: true } or a function), on the pointers their outputs were logged with. Adds
   * to the rows already flagged.
   */
  async flagMisses(rule: FeedbackRule, options: FlagMissesOptions = {}): Promise<FlagMissesResult> {
    const test = checkRule(rule);
    const range = checkRange(checkOptions<FlagMissesOptions>('options', options, ['since', 'until', 'by']));
    const pairs = await this.join();
    const times = range.by === 'feedback' ? pairs.feedbackAt : pairs.outputAt;
    const keep = (i: number) => {
      const t = times[i] as number;
      return (range.since === undefined || t >= range.since) && (range.until === undefined || t < range.until);
    };
    return flagMisses(this.store, this.name, pairs, test, keep, this.now());
  }

  /** The outputs and feedback joined by id (later batches win). */
  async join(): Promise<JoinedPairs> {
    if (!(await taskExists(this.store, this.name))) throw notFound('task', this.name);
    const [{ batches, index }, feedback] = await Promise.all([this.outputs(), this.side('f')]);
    return joinBatches(batches, feedback, index);
  }

  private async side(side: Side): Promise<StoredBatch[]> {
    return readBatches(this.store, await batchKeys(this.store, this.name, side));
  }

  private async outputs(): Promise<{ batches: StoredBatch[]; index: OutputIndex }> {
    const keys = await batchKeys(this.store, this.name, 'o');
    const batches = await readBatches(this.store, keys);
    const sig = keys.join('\n');
    let perStore = indexes.get(this.store);
    if (perStore === undefined) indexes.set(this.store, (perStore = new Map()));
    const hit = perStore.get(this.name);
    if (hit !== undefined && hit.sig === sig) return { batches, index: hit.index };
    const index = indexOutputs(batches);
    perStore.set(this.name, { sig, index });
    return { batches, index };
  }
}
