import { decodeSnapshot } from '../src/analyst/snapshot.js';
import { snapshotStore } from '../src/analyst/snapshot-store.js';
import type { StoreSource } from '../src/analyst/types.js';
import { PipetraceError } from '../src/errors.js';
import type { Store } from '../src/store.js';

/** Opens what every worker can open: a snapshot, IndexedDB (where the host has it) and HTTP. */
export async function openCommon(source: StoreSource): Promise<Store | undefined> {
  switch (source.kind) {
    case 'snapshot':
      return snapshotStore(decodeSnapshot(source.snapshot));
    case 'indexeddb': {
      const { indexedDbStore } = await import('../adapters/indexeddb/index.js');
      return indexedDbStore({ name: source.name });
    }
    case 'http': {
      const { httpStore } = await import('../adapters/http/client.js');
      return httpStore(source.token === undefined ? { url: source.url } : { url: source.url, token: source.token });
    }
    default:
      return undefined;
  }
}

export function cannotOpen(source: { kind?: unknown }, where: string): PipetraceError {
  return new PipetraceError(
    'invalid_input',
    `source: a ${where} worker cannot open a ${JSON.stringify(source?.kind)} store`,
    {
      field: 'source',
    },
  );
}
