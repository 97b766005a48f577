import type { AnalystMethod, AnalystProgress } from './types.js';

/** Counts reads and calls `emit` at most every `intervalMs`, and always for 'done'. */
export class ProgressReporter {
  private readonly started = performance.now();
  private last = Number.NEGATIVE_INFINITY;
  private reads = 0;
  private records = 0;

  constructor(
    private readonly method: AnalystMethod,
    private readonly where: AnalystProgress['where'],
    private readonly emit: ((progress: AnalystProgress) => void) | undefined,
    private readonly intervalMs = 100,
  ) {}

  read(records: number): void {
    this.reads++;
    this.records += records;
    if (this.emit === undefined) return;
    const now = performance.now();
    if (now - this.last >= this.intervalMs) {
      this.last = now;
      void this.send('reading');
    }
  }

  /** Resolves once the listener has had it (a round trip from a worker), never rejects. */
  send(phase: AnalystProgress['phase']): Promise<void> {
    if (this.emit === undefined) return Promise.resolve();
    const progress: AnalystProgress = {
      method: this.method,
      phase,
      reads: this.reads,
      records: this.records,
      elapsedMs: performance.now() - this.started,
      where: this.where,
    };
    try {
      // A listener that throws must not break the analysis it listens to.
      return Promise.resolve(this.emit(progress)).then(
        () => {},
        () => {},
      );
    } catch {
      return Promise.resolve();
    }
  }
}
