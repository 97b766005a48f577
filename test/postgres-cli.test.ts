import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { httpStore } from '../adapters/http/client.js';
import { postgresStore } from '../adapters/postgres/index.js';
import { main } from '../cli/main.js';
import { createPipetrace } from '../src/pipetrace.js';
import { useTestPostgres } from './pg/use.js';

const pg = useTestPostgres();

/** Runs the CLI in this process until it exits or `stop` aborts it. */
function cli(argv: string[], env: Record<string, string>, stop = new AbortController()) {
  const out = { stdout: '', stderr: '' };
  const exited = main(argv, {
    stdout: (t) => {
      out.stdout += t;
    },
    stderr: (t) => {
      out.stderr += t;
    },
    env,
    signal: stop.signal,
  });
  return { out, exited, stop };
}

describe('pipetrace serve over PostgreSQL', () => {
  it('serves the database named by PIPETRACE_DATABASE_URL and never prints its password', async () => {
    const token = 'postgres-cli-token';
    const serving = cli(['serve', '--port', '0', '--token', token], { PIPETRACE_DATABASE_URL: pg.url });
    for (let i = 0; i < 250 && !serving.out.stdout.includes('listening'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const url = serving.out.stdout.match(/listening on (http:\/\/[^\s]+)/)?.[1];
    expect(url, serving.out.stderr).toBeDefined();
    const remote = httpStore({ url: url as string, token });
    const run = await createPipetrace({ store: remote }).logRun({
      component: 'train',
      startedAt: 1000,
      endedAt: 2000,
      outputs: ['model.pkl'],
    });
    await remote.close();
    serving.stop.abort();
    expect(await serving.exited).toBe(0);
    expect(`${serving.out.stdout}${serving.out.stderr}`).not.toContain(pg.password);
    const store = await postgresStore({ url: pg.url });
    try {
      expect((await store.getRuns([run.id]))[0]?.outputs).toEqual(['model.pkl']);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('--store takes a postgres:// URL, and a refused login names the server but not the password', async () => {
    const wrong = 'not-the-password-42';
    const bad = cli(
      ['serve', '--port', '0', '--store', `postgres://${pg.user}:${wrong}@127.0.0.1:${pg.port}/postgres`],
      {},
    );
    expect(await bad.exited).toBe(1);
    expect(bad.out.stderr).toContain(`127.0.0.1:${pg.port}/postgres`);
    expect(bad.out.stderr).toMatch(/refused the login/);
    expect(`${bad.out.stdout}${bad.out.stderr}`).not.toContain(wrong);

    // --store wins over the environment variable.
    const env = { PIPETRACE_DATABASE_URL: `postgres://${pg.user}:${wrong}@127.0.0.1:${pg.port}/postgres` };
    const good = cli(['serve', '--port', '0', '--store', pg.url], env);
    for (let i = 0; i < 250 && !good.out.stdout.includes('listening'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(good.out.stdout).toMatch(/listening on/);
    good.stop.abort();
    expect(await good.exited).toBe(0);
    expect(`${good.out.stdout}${good.out.stderr}`).not.toContain(pg.password);
  }, 60_000);

  it('answers 503 naming the server, never the password, when the database goes away while serving', async () => {
    const database = pg.createDatabase('goes_away');
    const serving = cli(['serve', '--port', '0'], { PIPETRACE_DATABASE_URL: database });
    for (let i = 0; i < 250 && !serving.out.stdout.includes('listening'); i++)
      await new Promise((r) => setTimeout(r, 20));
    const url = serving.out.stdout.match(/listening on (http:\/\/[^\s]+)/)?.[1];
    expect(url, serving.out.stderr).toBeDefined();
    expect((await fetch(`${url}/api/v1/recent`)).status).toBe(200);
    const admin = postgres(pg.url, { onnotice: () => {} });
    try {
      await admin`DROP DATABASE goes_away WITH (FORCE)`;
    } finally {
      await admin.end();
    }
    const answer = await fetch(`${url}/api/v1/recent`);
    const body = await answer.text();
    expect(answer.status, body).toBe(503);
    expect(body).toContain(`PostgreSQL at 127.0.0.1:${pg.port}/goes_away is unavailable`);
    serving.stop.abort();
    expect(await serving.exited).toBe(0);
    expect(`${body}${serving.out.stdout}${serving.out.stderr}`).not.toContain(pg.password);
  }, 60_000);
});
