import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

// In a child process with a garbage collector to call: runs a wrapped synchronous step logs in
// the background, through a store that holds a weak reference to each run it is given.
const script = `
import { memoryStore } from ${JSON.stringify(join(root, 'adapters/memory.ts'))};
import { createPipetrace } from ${JSON.stringify(join(root, 'src/index.ts'))};
const inner = memoryStore();
const refs = [];
const store = new Proxy(inner, {
  get(target, key) {
    if (key === 'sync') return undefined;
    if (key === 'putRuns') return async (runs) => {
      for (const r of runs) refs.push(new WeakRef(r));
      return target.putRuns(runs);
    };
    const value = target[key];
    return typeof value === 'function' ? value.bind(target) : value;
  },
});
const pt = createPipetrace({ store });
const step = pt.wrap('step', (x) => x + 1, { inputs: () => 'in.csv', outputs: () => 'out.csv' });
for (let i = 0; i < 1000; i++) step(i);
await pt.flush();
for (let i = 0; i < 3; i++) {
  await new Promise((resolve) => setTimeout(resolve, 0));
  globalThis.gc();
}
const alive = refs.filter((r) => r.deref() !== undefined).length;
console.log(JSON.stringify({ stored: refs.length, alive, runs: (await pt.recent(2000)).length }));
`;

describe('background logging of wrapped synchronous steps', () => {
  it('keeps no logged run alive once flushed (the pending writes settle to nothing)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipetrace-wrap-memory-'));
    try {
      const file = join(dir, 'leak.mts');
      writeFileSync(file, script);
      const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', file], {
        cwd: root,
        encoding: 'utf8',
      });
      const { stored, alive, runs } = JSON.parse(out.trim().split('\n').pop() as string);
      expect(stored).toBe(1000);
      expect(runs).toBe(1000);
      // Before, each write's promise resolved to its run and the chain of them kept every one.
      expect(alive).toBeLessThan(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
