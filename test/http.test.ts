import { describe, expect, it } from 'vitest';
import { httpStore } from '../adapters/http/client.js';
import { createServer } from '../adapters/http/server.js';
import { memoryStore } from '../adapters/memory.js';
import type { Store } from '../src/store.js';
import { storeConformance } from '../src/testing.js';

const TOKEN = 'conformance-token-123';

/** A client on a fresh loopback server over a fresh memory store; closing it stops both. */
async function liveStore(): Promise<Store> {
  const server = createServer({ store: memoryStore(), token: TOKEN, env: {} });
  const { url } = await server.listen(0, '127.0.0.1');
  const client = httpStore({ url, token: TOKEN });
  const close = client.close.bind(client);
  return Object.assign(client, {
    close: async () => {
      await close();
      await server.close();
    },
  });
}

storeConformance({ describe, it, expect }, { name: 'http (client -> loopback server -> memory)', create: liveStore });
