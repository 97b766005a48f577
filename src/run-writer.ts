import { assignDependencies, writerQueries } from './infer.js';
import type { Run } from './model.js';
import type { Profile } from './monitor/profile.js';
import { writeProfiles } from './monitor/profile-store.js';
import { checkPairPointers, writeRowLineage } from './rows/index.js';
import type { RowLineage, RunSink } from './run-handle.js';
import type { Store } from './store.js';

/**
 * How a Pipetrace stores runs: it creates a record for each component seen for the first time,
 * infers dependencies with one latestWriters call per batch, and writes the batch. Through a
 * store with a synchronous twin (Store.sync) a run costs no promise but the one returned.
 * Run handles store through it too (it is their RunSink).
 */
export class RunWriter implements RunSink {
  private readonly knownComponents = new Set<string>();

  constructor(
    private readonly store: Store,
    readonly now: () => number,
  ) {}

  /** Notes a component that has a record already, so logging its runs makes no store call for it. */
  known(component: string): void {
    this.knownComponents.add(component);
  }

  /**
   * Stores a handle's run, with its profiles and row lineage first: if they fail, the run is not
   * stored either.
   */
  commit(
    run: Run,
    rows: RowLineage | undefined,
    reopen: () => void,
    profiles?: ReadonlyMap<string, Profile>,
  ): Promise<Run> {
    const hasRows = rows !== undefined && rows.pairs.length > 0;
    if (!hasRows && (profiles === undefined || profiles.size === 0)) return this.write([run], run, reopen);
    try {
      if (hasRows) checkPairPointers(run, rows.pairs);
    } catch (err) {
      reopen();
      return Promise.reject(err);
    }
    const before = async () => {
      if (profiles !== undefined) await writeProfiles(this.store, run.id, profiles);
      if (hasRows) await writeRowLineage(this.store, run.id, rows.pairs, rows.options);
    };
    return before().then(
      () => this.write([run], run, reopen),
      (err: unknown) => {
        reopen();
        throw err;
      },
    );
  }

  /**
   * Infers the runs' dependencies and stores them; resolves to `result`. On failure nothing is
   * stored and `failed` runs before the rejection.
   */
  write<R>(runs: Run[], result: R, failed?: () => void): Promise<R> {
    const creating = this.ensureComponents(runs);
    const sync = this.store.sync;
    if (creating !== undefined || sync === undefined || sync.store !== this.store) {
      const done = this.writeAsync(runs, result, creating);
      return failed === undefined
        ? done
        : done.catch((err: unknown) => {
            failed();
            throw err;
          });
    }
    try {
      const queries = writerQueries(runs);
      assignDependencies(runs, queries.length === 0 ? [] : sync.latestWriters(queries));
      sync.putRuns(runs);
      return Promise.resolve(result);
    } catch (err) {
      failed?.();
      return Promise.reject(err);
    }
  }

  private async writeAsync<R>(runs: Run[], result: R, creating: Promise<void> | undefined): Promise<R> {
    if (creating !== undefined) await creating;
    const queries = writerQueries(runs);
    assignDependencies(runs, queries.length === 0 ? [] : await this.store.latestWriters(queries));
    await this.store.putRuns(runs);
    return result;
  }

  /** Creates a record for components seen for the first time (cached, so usually no store call). */
  private ensureComponents(runs: Run[]): Promise<void> | undefined {
    let unknown: string[] | undefined;
    for (const run of runs) {
      if (!this.knownComponents.has(run.component) && !unknown?.includes(run.component)) {
        (unknown ??= []).push(run.component);
      }
    }
    return unknown === undefined ? undefined : this.createComponents(unknown);
  }

  private async createComponents(names: string[]): Promise<void> {
    const found = await this.store.getComponents(names);
    const now = this.now();
    const missing = names.filter((_, i) => found[i] === undefined);
    if (missing.length > 0) {
      await this.store.putComponents(
        missing.map((name) => ({ name, description: '', owner: '', tags: [], createdAt: now, updatedAt: now })),
      );
    }
    for (const n of names) this.knownComponents.add(n);
  }
}
