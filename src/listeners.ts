/**
 * The listeners of one store, in one small base every adapter shares: a listener that throws is
 * reported and never changes the outcome of the write that called it (the write is stored).
 */
export class Listeners<E> {
  private readonly set = new Set<(event: E) => void>();

  /** @param report hears a listener's error; default console.error. */
  constructor(private readonly report: (error: unknown) => void = defaultReport) {}

  /** Adds a listener; returns the function that removes it. */
  add(listener: (event: E) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('subscribe: the listener must be a function');
    this.set.add(listener);
    return () => {
      this.set.delete(listener);
    };
  }

  /** Whether anyone listens, so a writer can skip building an event nobody hears. */
  get size(): number {
    return this.set.size;
  }

  /** Calls every listener with `event`; errors go to the reporter, never to the caller. */
  emit(event: E): void {
    for (const listener of [...this.set]) {
      try {
        listener(event);
      } catch (error) {
        try {
          this.report(error);
        } catch {
          // A reporter that throws is as good as none; the write stays successful.
        }
      }
    }
  }

  clear(): void {
    this.set.clear();
  }
}

function defaultReport(error: unknown): void {
  console.error('pipetrace: a store listener threw (the write itself succeeded):', error);
}
