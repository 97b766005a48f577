import { PipetraceError } from '../errors.js';
import type { Run } from '../model.js';
import type { Transport } from './transports.js';
import type { LineageEvent } from './types.js';

/** Runs whose events could not be delivered, with why. */
export interface DeadLetter {
  runs: Run[];
  /** The events, or none when converting the runs failed. */
  events: LineageEvent[];
  error: unknown;
}

/** What a flush or a redelivery sent since the last one. */
export interface EmitReport {
  /** Events delivered. */
  sent: number;
  /** Events not delivered (always 0 in a resolved report: a failure rejects). */
  failed: number;
}

export interface EmitterOptions {
  /** Called when converting or sending fails; the store write itself has succeeded. Default console.error. */
  onError?: (error: unknown, runs: readonly Run[]) => void;
  /** Called for each batch that could not be delivered, as it enters the dead-letter buffer. */
  onDeadLetter?: (letter: DeadLetter) => void;
  /** Events the dead-letter buffer keeps; the oldest letters go first beyond it. Default 10 000. */
  deadLetterLimit?: number;
}

/**
 * Sends runs' events in order in the background and accounts for every one: `flush()` waits,
 * then resolves `{ sent, failed: 0 }` or rejects `unavailable` with the undelivered count since
 * the last flush; undelivered events wait in a bounded dead-letter buffer for `redeliver()`.
 */
export class Emitter {
  private queue: Promise<void> = Promise.resolve();
  private sent = 0;
  private failed = 0;
  private failedRuns = 0;
  private dropped = 0;
  private lastError: unknown;
  private letters: DeadLetter[] = [];
  private lettered = 0;
  private readonly onError: (error: unknown, runs: readonly Run[]) => void;
  private readonly limit: number;

  constructor(
    private readonly transport: Transport,
    private readonly toEvents: (runs: Run[]) => Promise<LineageEvent[]>,
    private readonly options: EmitterOptions = {},
  ) {
    this.onError =
      options.onError ?? ((error: unknown) => console.error('pipetrace: OpenLineage emission failed:', error));
    this.limit = Math.max(0, options.deadLetterLimit ?? 10_000);
  }

  /** Queues the events of `expected` runs that `load` gives; `events` when they are known already. */
  enqueue(load: () => Promise<Run[]>, expected: number, known?: LineageEvent[]): void {
    this.queue = this.queue.then(async () => {
      let runs: Run[] = [];
      let events: LineageEvent[] = [];
      try {
        runs = await load();
        events = known ?? (await this.toEvents(runs));
        await this.transport.emit(events);
        this.sent += events.length;
      } catch (error) {
        // Two events (START and the end) per run when they could not even be made.
        this.fail({ runs, events, error }, events.length > 0 ? events.length : 2 * Math.max(runs.length, expected));
      }
    });
  }

  private fail(letter: DeadLetter, count: number): void {
    this.failed += count;
    this.failedRuns += letter.runs.length;
    this.lastError = letter.error;
    this.onError(letter.error, letter.runs);
    this.letters.push(letter);
    this.lettered += letter.events.length;
    // Keep the newest letters within the limit; dropped ones are counted in the next flush error.
    while (this.lettered > this.limit && this.letters.length > 0) {
      const old = this.letters.shift()!;
      this.lettered -= old.events.length;
      this.dropped += old.events.length;
    }
    this.options.onDeadLetter?.(letter);
  }

  /** Waits for everything queued; rejects when any of it was not delivered since the last flush. */
  async flush(): Promise<EmitReport> {
    await this.queue;
    const { sent, failed, failedRuns, dropped, lastError } = this;
    this.sent = this.failed = this.failedRuns = this.dropped = 0;
    this.lastError = undefined;
    if (failed === 0) return { sent, failed: 0 };
    const lost = dropped > 0 ? `, ${dropped} dropped from the full dead-letter buffer` : '';
    throw new PipetraceError(
      'unavailable',
      `OpenLineage: ${failed} events (${failedRuns} runs) were not delivered${lost}; ${sent} were: ${String((lastError as Error)?.message ?? lastError)}`,
      { cause: lastError, details: { undelivered: failed, sent, dropped } },
    );
  }

  /** The batches not delivered, oldest first (at most `deadLetterLimit` events). */
  deadLetters(): readonly DeadLetter[] {
    return this.letters.slice();
  }

  /** Sends the dead letters again, in order; those that fail again stay. Then flushes. */
  redeliver(): Promise<EmitReport> {
    const letters = this.letters;
    this.letters = [];
    this.lettered = 0;
    for (const letter of letters) {
      const known = letter.events.length > 0 ? letter.events : undefined;
      this.enqueue(async () => letter.runs, letter.runs.length, known);
    }
    return this.flush();
  }

  /** Waits for the queue without reporting (close). */
  settled(): Promise<void> {
    return this.queue;
  }
}
