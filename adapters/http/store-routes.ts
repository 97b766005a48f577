/**
 * The store routes: the Store contract over HTTP, one route per operation, used by the
 * `httpStore` client. Writes are PUT (insert or replace, so a retry is harmless) and need the
 * write token; the many-key reads are POST because their key lists do not fit in a URL.
 */
import { PipetraceError } from '../../src/errors.js';
import { BINARY_TYPE, decodeBlobs, encodeBlobs, STORE_PATHS } from './protocol.js';
import { json, type Reply, type Route } from './router.js';
import {
  blobKey,
  blobPrefix,
  componentsBody,
  idsBody,
  keysBody,
  namesBody,
  pointersBody,
  runsBody,
  scanBody,
  writersBody,
} from './wire-checks.js';

const nulls = <T>(items: readonly (T | undefined)[]): (T | null)[] => items.map((x) => (x === undefined ? null : x));
const noContent: Reply = { status: 204 };

export function storeRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: STORE_PATHS.info,
      access: 'read',
      summary: 'the wrapped store: kind and capabilities',
      handle: async ({ store }) => json({ kind: store.kind, capabilities: store.capabilities }),
    },
    {
      method: 'PUT',
      path: STORE_PATHS.runs,
      access: 'write',
      body: 'json',
      summary: 'putRuns: { runs: Run[] }, one atomic write, replacing by id',
      handle: async ({ store, body }) => {
        const runs = runsBody(body);
        await store.putRuns(runs);
        return json({ stored: runs.length });
      },
    },
    {
      method: 'POST',
      path: STORE_PATHS.getRuns,
      access: 'read',
      body: 'json',
      summary: 'getRuns: { ids } -> { runs: (Run | null)[] }',
      handle: async ({ store, body }) => json({ runs: nulls(await store.getRuns(idsBody(body))) }),
    },
    {
      method: 'POST',
      path: STORE_PATHS.scanRuns,
      access: 'read',
      body: 'json',
      summary: 'scanRuns: RunScan -> { runs, cursor? }',
      handle: async ({ store, body }) => json(await store.scanRuns(scanBody(body))),
    },
    {
      method: 'POST',
      path: STORE_PATHS.writers,
      access: 'read',
      body: 'json',
      summary: 'latestWriters: { queries } -> { writers: (WriterRef | null)[] }',
      handle: async ({ store, body }) => json({ writers: nulls(await store.latestWriters(writersBody(body))) }),
    },
    {
      method: 'PUT',
      path: STORE_PATHS.components,
      access: 'write',
      body: 'json',
      summary: 'putComponents: { components }',
      handle: async ({ store, body }) => {
        const components = componentsBody(body);
        await store.putComponents(components);
        return json({ stored: components.length });
      },
    },
    {
      method: 'POST',
      path: STORE_PATHS.getComponents,
      access: 'read',
      body: 'json',
      summary: 'getComponents: { names } -> { components: (Component | null)[] }',
      handle: async ({ store, body }) => json({ components: nulls(await store.getComponents(namesBody(body))) }),
    },
    {
      method: 'GET',
      path: STORE_PATHS.components,
      access: 'read',
      summary: 'scanComponents -> { components }',
      handle: async ({ store }) => json({ components: await store.scanComponents() }),
    },
    {
      method: 'PUT',
      path: STORE_PATHS.pointers,
      access: 'write',
      body: 'json',
      summary: 'putPointers: { pointers }',
      handle: async ({ store, body }) => {
        const pointers = pointersBody(body);
        await store.putPointers(pointers);
        return json({ stored: pointers.length });
      },
    },
    {
      method: 'POST',
      path: STORE_PATHS.getPointers,
      access: 'read',
      body: 'json',
      summary: 'getPointers: { names } -> { pointers: (PointerRecord | null)[] }',
      handle: async ({ store, body }) => json({ pointers: nulls(await store.getPointers(namesBody(body))) }),
    },
    {
      method: 'GET',
      path: STORE_PATHS.pointers,
      access: 'read',
      summary: 'scanPointers: ?flagged=true|false -> { pointers }',
      handle: async ({ store, query }) => {
        const flagged = query.get('flagged');
        if (flagged !== null && flagged !== 'true' && flagged !== 'false') {
          throw new PipetraceError('invalid_input', 'flagged: must be true or false', { field: 'flagged' });
        }
        return json({ pointers: await store.scanPointers(flagged === null ? {} : { flagged: flagged === 'true' }) });
      },
    },
    {
      method: 'PUT',
      path: STORE_PATHS.blobs,
      access: 'write',
      body: 'binary',
      summary: 'putBlobs: a blob frame (application/octet-stream)',
      handle: async ({ store, bytes }) => {
        const { keys, data } = decodeBlobs(bytes);
        const blobs = keys.map((k, i) => {
          const d = data[i];
          if (d === undefined)
            throw new PipetraceError('invalid_input', `keys[${i}]: has no data`, { field: `keys[${i}]` });
          return { key: blobKey(`keys[${i}]`, k), data: d };
        });
        await store.putBlobs(blobs);
        return noContent;
      },
    },
    {
      method: 'POST',
      path: STORE_PATHS.getBlobs,
      access: 'read',
      body: 'json',
      summary: 'getBlobs: { keys } -> a blob frame (application/octet-stream)',
      handle: async ({ store, body }) => {
        const keys = keysBody(body);
        const data = await store.getBlobs(keys);
        return { binary: encodeBlobs(keys, data), headers: { 'content-type': BINARY_TYPE } };
      },
    },
    {
      method: 'POST',
      path: STORE_PATHS.deleteBlobs,
      access: 'write',
      body: 'json',
      summary: 'deleteBlobs: { keys }',
      handle: async ({ store, body }) => {
        const keys = keysBody(body);
        if (store.deleteBlobs === undefined) {
          throw new PipetraceError('storage', "this server's store cannot delete blobs");
        }
        await store.deleteBlobs(keys);
        return noContent;
      },
    },
    {
      method: 'GET',
      path: STORE_PATHS.blobs,
      access: 'read',
      summary: 'listBlobs: ?prefix= -> { keys }',
      handle: async ({ store, query }) => json({ keys: await store.listBlobs(blobPrefix(query.get('prefix'))) }),
    },
  ];
}
