import { describe, expect, it } from 'vitest';
import { memoryStore } from '../adapters/memory.js';
import { storeConformance } from '../src/testing.js';

storeConformance(
  { describe, it, expect },
  { name: 'memory', create: async () => memoryStore(), sync: true, readBlobs: true },
);
