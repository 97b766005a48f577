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

/** The access question: not asked inside the start (whose stack may reach the bundle's top level), but a task later. */
(globalThis as { accessAsked?: () => Promise<{ inStart: string[]; afterStart: string[] }> }).accessAsked = async () => {
  const calls: string[] = [];
  const handle = start(calls, true);
  const inStart = [...calls];
  await nextTask();
  const afterStart = [...calls];
  handle.unmount();
  return { inStart, afterStart };
};

/**
 * The live watch (its first look at the newest run) starts a task after the first view is on
 * screen, not in the task that puts it there: a message posted when the view lands runs before it.
 */
(
  globalThis as { liveAfterView?: () => Promise<{ whenShown: string[]; nextTask: string[]; later: string[] }> }
).liveAfterView = async () => {
  const calls: string[] = [];
  const api = spyApi(calls);
  // The trace view's query answers (an empty trace, not recorded), so the first view lands; nothing else answers.
  const answering = new Proxy(api, {
    get: (target, name) =>
      name === 'trace'
        ? () => Promise.resolve({ target: { run: 'r' }, root: 'r', nodes: [], edges: [], truncated: false })
        : Reflect.get(target, name),
  });
  const host = document.createElement('div');
  document.body.append(host);
  const root = host.attachShadow({ mode: 'open' });
  const handle = startApp(root, { api: answering, hash: false, pollMs: 60_000 });
  handle.navigate({ view: 'trace-run', run: 'r' });
  const seen = await new Promise<{ whenShown: string[]; nextTask: string[]; later: string[] }>((resolve) => {
    const observer = new MutationObserver(() => {
      const main = root.querySelector('main');
      if (main === null || main.querySelector('h2') === null) return;
      observer.disconnect();
      const whenShown = [...calls];
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        const next = [...calls];
        void nextTask().then(() => resolve({ whenShown, nextTask: next, later: [...calls] }));
      };
      channel.port2.postMessage(null);
    });
    observer.observe(root, { childList: true, subtree: true });
  });
  handle.unmount();
  return seen;
};

/**
 * The tab's kept token is read when the first request needs it, not inside the element's start:
 * a tab's first sessionStorage read waits on the browser. The request still carries it.
 */
(
  globalThis as { tokenRead?: () => Promise<{ inStart: number; later: number; authorization: string | null }> }
).tokenRead = async () => {
  const { mount } = await import('../../../dashboard/main.js');
  const { tokenKey } = await import('../../../dashboard/token-key.js');
  sessionStorage.setItem(tokenKey('http://127.0.0.1:9'), 'kept-token');
  let reads = 0;
  const getItem = Storage.prototype.getItem;
  Storage.prototype.getItem = function (key: string) {
    reads++;
    return getItem.call(this, key);
  };
  let authorization: string | null = null;
  const realFetch = globalThis.fetch;
  globalThis.fetch = (async (_url: RequestInfo | URL, init?: RequestInit) => {
    authorization ??= new Headers(init?.headers).get('authorization');
    return new Promise<Response>(() => undefined);
  }) as typeof fetch;
  try {
    const host = document.createElement('div');
    document.body.append(host);
    const handle = mount(host, { url: 'http://127.0.0.1:9', pollMs: 0 });
    const inStart = reads;
    await nextTask();
    await nextTask();
    handle.unmount();
    return { inStart, later: reads, authorization };
  } finally {
    Storage.prototype.getItem = getItem;
    globalThis.fetch = realFetch;
  }
};

/** The elements made inside the element's start (the header, with its form controls, is made a task later). */
(globalThis as { madeInStart?: () => Promise<{ inStart: string[]; later: string[] }> }).madeInStart = async () => {
  const made: string[] = [];
  const create = document.createElement;
  document.createElement = function (this: Document, tag: string, options?: ElementCreationOptions) {
    made.push(tag);
    return create.call(this, tag, options);
  } as typeof document.createElement;
  try {
    const calls: string[] = [];
    const handle = start(calls);
    const inStart = [...made];
    await nextTask();
    await nextTask();
    const later = [...made];
    handle.unmount();
    return { inStart, later };
  } finally {
    document.createElement = create;
  }
};

/** The header comes in two frames: its title, views and live mark first, the command bar a frame later. */
(globalThis as { headerInTwo?: () => Promise<{ first: string[]; later: string[] }> }).headerInTwo = async () => {
  const host = document.createElement('div');
  document.body.append(host);
  const root = host.attachShadow({ mode: 'open' });
  const handle = startApp(root, { api: spyApi([]), hash: false, pollMs: 0 });
  const parts = () => [...(root.querySelector('header')?.children ?? [])].map((el) => el.tagName.toLowerCase());
  // What the header holds in the task that puts it on the page (a mutation record arrives in that task).
  const first = await new Promise<string[]>((resolve) => {
    const observer = new MutationObserver(() => {
      if (root.querySelector('header') === null) return;
      observer.disconnect();
      resolve(parts());
    });
    observer.observe(root, { childList: true });
  });
  await new Promise((resolve) => requestAnimationFrame(resolve));
  await nextTask();
  await nextTask();
  const later = parts();
  handle.unmount();
  return { first, later };
};
