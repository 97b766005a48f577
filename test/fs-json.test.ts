import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FsJsonStore, fsJsonStore } from '../adapters/fs-json/index.js';
import { storeConformance } from '../src/testing.js';

const root = mkdtempSync(join(tmpdir(), 'pipetrace-fs-json-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

storeConformance(
  { describe, it, expect },
  {
    name: 'fs-json',
    create: async () => fsJsonStore({ dir: join(root, `store-${++n}`), onCorrupt: () => {} }),
    reopen: async (closed) => fsJsonStore({ dir: (closed as FsJsonStore).dir }),
  },
);
