/** Running asynchronous jobs in order, or a few at a time. */

/** Runs jobs one at a time, in call order, whatever happened to the previous one. */
export class Queue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job, job);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * `job` on every item, at most `limit` at a time; the results in item order. After a failure
 * no new job starts, and it rejects once the running ones are done.
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  job: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        out[i] = await job(items[i] as T, i);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  return out;
}

/** A value lent by a job, and how to give it back. */
export interface Lent<T> {
  value: T;
  giveBack?: () => void;
}

/**
 * `job(i)` for i = 0..n-1, up to `ahead` started before their turn, yielded in order: each value
 * is given back when the next is asked for (or the loop ends). Values of jobs that were still
 * running when the loop ended are given back as they land; their errors are dropped.
 */
export async function* lendInOrder<T>(
  n: number,
  ahead: number,
  job: (i: number) => Promise<Lent<T>>,
): AsyncGenerator<T> {
  const pending: (Promise<Lent<T>> | undefined)[] = [];
  let started = 0;
  const start = () => {
    const running = job(started);
    running.catch(() => undefined);
    pending[started++] = running;
  };
  try {
    while (started < Math.min(n, ahead)) start();
    for (let i = 0; i < n; i++) {
      const lent = await (pending[i] as Promise<Lent<T>>);
      pending[i] = undefined;
      if (started < n) start();
      try {
        yield lent.value;
      } finally {
        lent.giveBack?.();
      }
    }
  } finally {
    for (const running of pending)
      running?.then(
        (lent) => lent.giveBack?.(),
        () => undefined,
      );
  }
}
