/**
 * Clients logging through a group of `pipetrace serve` processes over one database, and the
 * check that every run they logged is stored exactly once, with its dependency inferred. Shared
 * by the servers test and bench/pg.bench.ts.
 */
import { httpStore } from '../../adapters/http/client.js';
import { createPipetrace } from '../../src/pipetrace.js';
import type { RunInput } from '../../src/run-input.js';
import type { Store } from '../../src/store.js';
import type { ServeProcess } from './serve.js';

const T0 = 1_850_000_000_000;

/** Run i of client c: no id (the client's pipetrace makes one), reads its own output of run i - 1. */
function clientRun(c: number, i: number): RunInput {
  return {
    component: `client-${c}`,
    startedAt: T0 + i * 1000 + c,
    endedAt: T0 + i * 1000 + c + 500,
    inputs: i === 0 ? ['fleet/config'] : [`c${c}/out/${i - 1}`, 'fleet/config'],
    outputs: [`c${c}/out/${i}`],
    params: { c, i },
  };
}

/**
 * Client c logs `total` runs through the server at `url`, `batch` at a time, and calls
 * `progress` after each batch. It keeps retrying while its server is down (up to `patienceMs`).
 */
async function runClient(
  url: string,
  token: string,
  c: number,
  total: number,
  batch: number,
  progress: (logged: number) => void,
  patienceMs = 60_000,
): Promise<void> {
  const store = httpStore({
    url,
    token,
    retries: Math.ceil(patienceMs / 500),
    maxDelayMs: 500,
    writeTimeoutMs: patienceMs,
  });
  try {
    const pt = createPipetrace({ store });
    for (let at = 0; at < total; at += batch) {
      const runs = Array.from({ length: Math.min(batch, total - at) }, (_, k) => clientRun(c, at + k));
      await pt.logRuns(runs);
      progress(runs.length);
    }
  } finally {
    await store.close();
  }
}

/**
 * `perServer` clients for each server log `total` runs each, `batch` at a time (client c through
 * server c mod the number of servers); once a third of all runs are logged, `victim` is killed
 * with SIGKILL and started again `downMs` later. Resolves when every client is done, with the
 * share of runs logged when the kill came.
 */
export async function runFleet(options: {
  servers: readonly ServeProcess[];
  perServer: number;
  total: number;
  batch: number;
  token: string;
  victim: ServeProcess;
  downMs: number;
}): Promise<{ killedAt: number }> {
  const { servers, total } = options;
  const expected = servers.length * options.perServer * total;
  let logged = 0;
  let killedAt = -1;
  const clients = Array.from({ length: servers.length * options.perServer }, (_, c) =>
    runClient((servers[c % servers.length] as ServeProcess).url, options.token, c, total, options.batch, (n) => {
      logged += n;
    }),
  );
  // A client that fails ends the wait too, so a broken run fails instead of hanging.
  let settled = false;
  void Promise.allSettled(clients).then(() => {
    settled = true;
  });
  const chaos = (async () => {
    while (logged < expected / 3 && !settled) await new Promise((r) => setTimeout(r, 10));
    if (settled) return;
    killedAt = logged;
    await options.victim.kill();
    await new Promise((r) => setTimeout(r, options.downMs));
    await options.victim.start();
  })();
  await Promise.all([...clients, chaos]);
  return { killedAt: killedAt / expected };
}

export interface FleetCheck {
  /** Runs stored in all. */
  stored: number;
  /** Runs logged that are stored exactly once. */
  once: number;
  /** Logged runs not stored at all, and stored more than once. */
  missing: number;
  duplicated: number;
  /** Runs whose dependency is not the run that wrote their input. */
  wrongDependencies: number;
}

/** Reads every run of the store (page by page) and checks clients × total runs against it. */
export async function checkFleet(store: Store, clients: number, total: number): Promise<FleetCheck> {
  const byKey = new Map<string, { id: string; dependencies: string[] }[]>();
  let stored = 0;
  let cursor: string | undefined;
  do {
    const page = await store.scanRuns({ limit: 1000, order: 'asc', ...(cursor === undefined ? {} : { cursor }) });
    for (const run of page.runs) {
      stored++;
      const key = `${run.component}/${(run.params as { i?: unknown }).i}`;
      byKey.set(key, [...(byKey.get(key) ?? []), { id: run.id, dependencies: run.dependencies }]);
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  let once = 0;
  let missing = 0;
  let duplicated = 0;
  let wrongDependencies = 0;
  for (let c = 0; c < clients; c++) {
    for (let i = 0; i < total; i++) {
      const found = byKey.get(`client-${c}/${i}`) ?? [];
      if (found.length === 0) missing++;
      else if (found.length > 1) duplicated++;
      else once++;
      const previous = i === 0 ? [] : (byKey.get(`client-${c}/${i - 1}`) ?? []).map((r) => r.id);
      const run = found[0];
      if (run !== undefined && JSON.stringify(run.dependencies) !== JSON.stringify(previous)) wrongDependencies++;
    }
  }
  return { stored, once, missing, duplicated, wrongDependencies };
}
