/** The dashboard's operations over a store in the page, through createPipetrace. Browser-safe. */
import { createPipetrace } from '../src/pipetrace.js';
import { impact } from '../src/rows/impact.js';
import { traceRow } from '../src/rows/trace.js';
import type { Store } from '../src/store.js';
import { type DashboardApi, parseRowKey } from './api.js';

/** The operations over a store in this page. */
export function storeApi(store: Store): DashboardApi {
  const pt = createPipetrace({ store });
  return {
    recent: (limit) => pt.recent(limit),
    history: (component, q) => pt.history(component, q),
    inspect: (id) => pt.inspect(id),
    trace: (target) => pt.trace(target),
    staleness: (run) => pt.staleness({ run }),
    review: (method) => pt.review(method === undefined ? {} : { method }),
    flagged: () => pt.flagged(),
    flag: (p) => pt.flag(p),
    unflag: (p) => pt.unflag(p),
    addNote: (run, text) => pt.addNote(run, text),
    tag: (component, tags) => pt.tag(component, tags),
    components: () => pt.components(),
    rowTrace: async (pointer, key, direction) =>
      (direction === 'forward' ? impact : traceRow)(store, pointer, parseRowKey(key)),
  };
}
