import { PipetraceError } from '../errors.js';
import type { Store } from '../store.js';

/** What an analysis reports and obeys while it reads. */
export interface ReadHooks {
  /** Checked before every store call: when true, the call throws PipetraceError 'aborted'. */
  cancelled(): boolean;
  /** After every store call, with how many records it returned. */
  onRead?(records: number): void;
}

const READS = [
  'getRuns',
  'scanRuns',
  'latestWriters',
  'getComponents',
  'scanComponents',
  'getPointers',
  'scanPointers',
  'getBlobs',
  'listBlobs',
] as const;

const WRITES = ['putRuns', 'putComponents', 'putPointers', 'putBlobs', 'deleteBlobs'] as const;

function countOf(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  const runs = (result as { runs?: unknown })?.runs;
  return Array.isArray(runs) ? runs.length : 1;
}

/**
 * A read-only view of `store` that counts reads for progress and stops at the next store call
 * once cancelled. Analyses never write; a write through it is a bug and throws.
 */
export function observedStore(store: Store, hooks: ReadHooks): Store {
  const view: Record<string, unknown> = {
    kind: store.kind,
    capabilities: store.capabilities,
    close: () => Promise.resolve(),
  };
  for (const name of READS) {
    const method = store[name] as (...args: unknown[]) => Promise<unknown>;
    view[name] = async (...args: unknown[]) => {
      if (hooks.cancelled()) throw new PipetraceError('aborted', 'the analysis was aborted');
      const result = await method.apply(store, args);
      hooks.onRead?.(countOf(result));
      return result;
    };
  }
  for (const name of WRITES) {
    view[name] = () => Promise.reject(new PipetraceError('invalid_input', `analyses are read-only (${name})`));
  }
  return view as unknown as Store;
}
