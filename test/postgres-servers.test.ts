/**
 * `pipetrace serve` processes over one PostgreSQL database: real processes, real HTTP on
 * loopback, one server killed with SIGKILL mid-run and started again.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { postgresStore } from '../adapters/postgres/index.js';
import type { Trace } from '../src/analysis/trace.js';
import type { StoreChange } from '../src/store.js';
import { checkFleet, runFleet } from './pg/fleet.js';
import { type ServeProcess, startServe } from './pg/serve.js';
import { useTestPostgres } from './pg/use.js';

const pg = useTestPostgres();
const TOKEN = 'servers-test-token';
const servers: ServeProcess[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
});

describe('pipetrace serve: several servers over one PostgreSQL database', () => {
  it('loses and duplicates nothing when one of two servers is killed mid-run and restarted', async () => {
    const database = pg.createDatabase('two_servers');
    const [a, b] = await Promise.all([startServe(database, TOKEN), startServe(database, TOKEN)]);
    servers.push(a, b);
    const watcher = await postgresStore({ url: database });
    const heard = new Set<string>();
    watcher.subscribe((change: StoreChange) => {
      if (change.kind === 'runs') for (const id of change.ids) heard.add(id);
    });
    try {
      const CLIENTS = 4;
      const TOTAL = 300;
      // Clients 0 and 2 log through server a, 1 and 3 through b.
      const { killedAt } = await runFleet({
        servers: [a, b],
        perServer: 2,
        total: TOTAL,
        batch: 20,
        token: TOKEN,
        victim: a,
        downMs: 300,
      });
      expect(killedAt).toBeGreaterThan(0);
      expect(killedAt).toBeLessThan(1);

      const check = await checkFleet(watcher, CLIENTS, TOTAL);
      expect(check).toEqual({
        stored: CLIENTS * TOTAL,
        once: CLIENTS * TOTAL,
        missing: 0,
        duplicated: 0,
        wrongDependencies: 0,
      });

      // Server b answers about runs logged through a, and live updates crossed servers.
      const last = `c0/out/${TOTAL - 1}`; // client 0 logged through a
      const answer = await fetch(`${b.url}/api/v1/trace?pointer=${encodeURIComponent(last)}&depth=3`);
      expect(answer.status).toBe(200);
      const trace = (await answer.json()) as Trace;
      expect(trace.nodes.map((n) => n.run.params)).toEqual([296, 297, 298, 299].reverse().map((i) => ({ c: 0, i })));
      const dashboard = await fetch(`${b.url}/`);
      expect(await dashboard.text()).toContain('pipetrace-dashboard');
      for (let i = 0; i < 100 && heard.size < CLIENTS * TOTAL; i++) await new Promise((r) => setTimeout(r, 50));
      expect(heard.size).toBe(CLIENTS * TOTAL);

      expect(await a.stop()).toBe(0);
      expect(await b.stop()).toBe(0);
      for (const server of [a, b]) {
        expect(server.output()).toContain(`postgres:127.0.0.1:${pg.port}/two_servers`);
        expect(server.output()).not.toContain(pg.password);
      }
    } finally {
      await watcher.close();
    }
  }, 180_000);
});
