/** Browser entry for the first-view test: which queries the dashboard's start sends, and when. */
import type { DashboardApi } from '../../../dashboard/api.js';
import { startApp } from '../../../dashboard/app.js';
import { nextTask } from '../../../dashboard/yield.js';

/** An API that records the operations asked for and never answers (`access` recorded only when asked to). */
function spyApi(calls: string[], withAccess = false): DashboardApi {
  const skip = new Set([...(withAccess ? [] : ['access']), 'subscribe', 'then']);
  return new Proxy(
    {},
    {
      get: (_target, name) =>
        skip.has(String(name))
          ? undefined
          : () => {
              calls.push(String(name));
              return new Promise(() => undefined);
            },
    },
  ) as DashboardApi;
}

function start(calls: string[], withAccess = false) {
  const host = document.createElement('div');
  document.body.append(host);
  return startApp(host.attachShadow({ mode: 'open' }), { api: spyApi(calls, withAccess), hash: false, pollMs: 0 });
}

/** The home view's queries: none inside the start's own task, all a task later. */
(globalThis as { firstView?: () => Promise<{ inStart: string[]; later: string[] }> }).firstView = async () => {
  const calls: string[] = [];
  const handle = start(calls);
  const inStart = [...calls];
  await nextTask();
  await nextTask();
  handle.unmount();
  return { inStart, later: [...calls] };
};

/** A view opened before the first task: only its query goes out, not the home view's. */
(globalThis as { openedFirst?: () => Promise<string[]> }).openedFirst = async () => {
  const calls: string[] = [];
  const handle = start(calls);
  handle.navigate({ view: 'trace', pointer: 'out/a' });
  await nextTask();
  await nextTask();
  handle.unmount();
  return calls;
};

/** The access question: not asked inside the start (whose stack may reach the bundle's top level), but right after. */
(globalThis as { accessAsked?: () => Promise<{ inStart: string[]; afterStart: string[] }> }).accessAsked = async () => {
  const calls: string[] = [];
  const handle = start(calls, true);
  const inStart = [...calls];
  await Promise.resolve();
  const afterStart = [...calls];
  handle.unmount();
  return { inStart, afterStart };
};
