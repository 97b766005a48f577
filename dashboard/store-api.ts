/** The dashboard's operations over a store in this page: the facade itself. Browser-safe. */
import { createPipetrace } from '../src/pipetrace.js';
import type { Store } from '../src/store.js';
import type { DashboardApi } from './api.js';

/** The operations over a store in this page. */
export function storeApi(store: Store): DashboardApi {
  return createPipetrace({ store });
}
