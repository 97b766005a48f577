import { memoryStore } from 'pipetrace/adapters/memory';
import { storeConformance } from 'pipetrace/testing';
import { describe, expect, it } from 'vitest';

const myStore = memoryStore; // your adapter's factory
storeConformance(
  { describe, it, expect },
  {
    name: 'my-store',
    create: async () => myStore(), // a fresh, empty store per test
    // reopen: async (closed) => myStore(sameLocation),  // durable stores: the data survives close
    sync: false, // true if it offers store.sync (then tested too)
  },
);
