/** Browser entry: the store conformance suites and adapter specs, and the core API, in the page. */
import { dexieStore } from '../../../adapters/dexie/index.js';
import { indexedDbStore } from '../../../adapters/indexeddb/index.js';
import { memoryStore } from '../../../adapters/memory.js';
import { sampleRun, storeConformance } from '../../../src/testing.js';
import { describe, expect, installRunner, it } from '../shim.js';
import { coreSpecs } from '../specs/core-specs.js';
import { dexieAppTarget, dexieSpecs, dexieTarget } from '../specs/dexie-specs.js';
import { indexedDbSpecs, indexedDbTarget } from '../specs/indexeddb-specs.js';
import { quotaSpecs } from '../specs/quota-specs.js';

const t = { describe, it, expect };
storeConformance(t, indexedDbTarget(indexedDbSpecs));
storeConformance(t, dexieTarget(dexieSpecs));
storeConformance(t, dexieAppTarget());
storeConformance(t, { name: 'memory (in the page)', create: async () => memoryStore(), sync: true, readBlobs: true });
coreSpecs(t);
describe('real quota errors (Storage.overrideQuotaForOrigin)', () => quotaSpecs(t));
installRunner();

// For tests that drive several tabs from Node.
(globalThis as Record<string, unknown>).pt = { indexedDbStore, dexieStore, sampleRun };
