/**
 * The pipetrace dashboard, embeddable two ways:
 *
 *   <pipetrace-dashboard url="https://lineage.example.com"></pipetrace-dashboard>
 *   mount(element, { url: 'https://lineage.example.com', token })   // a pipetrace server
 *   mount(element, { store: indexedDbStore() })                       // a store in this page
 *
 * Importing this module registers the custom element (once).
 */
import type { Store } from '../src/store.js';
import { type DashboardApi, httpApi, lazyStoreApi } from './api.js';
import { type DashboardHandle, startApp } from './app.js';
import { tokenKey as sessionTokenKey } from './token-key.js';

export type { Access, DashboardApi, HistoryQuery, HttpApiOptions, RowDirection, TraceTarget } from './api.js';
export { httpApi, lazyStoreApi } from './api.js';
export type { DashboardHandle } from './app.js';
export { type Command, parseCommand } from './commands.js';
export { formatView, parseView, type View } from './hash-router.js';

export interface CommonOptions {
  /**
   * Follow and write location.hash so each view has a shareable URL. Default false: an embedded
   * dashboard leaves the host page's URL alone unless asked (the served page asks).
   */
  hash?: boolean;
  /** Poll for new runs every this many ms, when the source has no event stream (a server has); 0 turns live updates off. Default 4000. */
  pollMs?: number;
}

export type MountOptions = CommonOptions &
  (
    | { /** Base URL of a pipetrace server ('' for this page's origin). */ url: string; token?: string }
    | { /** A store in this page. */ store: Store }
    | { /** Any implementation of the dashboard's operations. */ api: DashboardApi }
  );

/** Renders the dashboard into `element` (inside a shadow root, so page styles do not leak in). */
export function mount(element: HTMLElement, options: MountOptions): DashboardHandle {
  const root = element.shadowRoot ?? element.attachShadow({ mode: 'open' });
  // A pasted write token is kept for the browser tab's session (not across sessions).
  const tokenKey = 'url' in options ? sessionTokenKey(options.url) : '';
  // Read when first needed, not here: the tab's first sessionStorage read waits on the browser
  // (a synchronous load of the storage area, 5-20 ms on a busy machine), which would lengthen the
  // element's start; the first request, a task of its own, reads it instead.
  let token = 'url' in options ? options.token : undefined;
  let tokenRead = !('url' in options) || options.token !== undefined;
  const currentToken = () => {
    if (!tokenRead) {
      tokenRead = true;
      token = session()?.getItem(tokenKey) ?? undefined;
    }
    return token;
  };
  const api =
    'api' in options
      ? options.api
      : 'store' in options
        ? lazyStoreApi(options.store)
        : httpApi({ url: options.url, token: currentToken });
  return startApp(root, {
    api,
    hash: options.hash,
    pollMs: options.pollMs,
    tokenField:
      'url' in options
        ? {
            get: currentToken,
            set: (t) => {
              tokenRead = true;
              token = t === '' ? undefined : t;
              if (token === undefined) session()?.removeItem(tokenKey);
              else session()?.setItem(tokenKey, token);
            },
          }
        : undefined,
  });
}

/** sessionStorage, where the page may use it (not in a sandboxed frame). */
function session(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}

/** `<pipetrace-dashboard url="..." token="..." poll-ms="4000" hash>` (`hash`: follow location.hash); `.store = store` for in-page stores. */
export class PipetraceDashboard extends HTMLElement {
  private handle: DashboardHandle | undefined;
  private storeValue: Store | undefined;

  /** Set a store instead of a url to show an in-page store. */
  get store(): Store | undefined {
    return this.storeValue;
  }
  set store(store: Store | undefined) {
    this.storeValue = store;
    if (this.isConnected) this.restart();
  }

  connectedCallback(): void {
    this.restart();
  }

  disconnectedCallback(): void {
    this.handle?.unmount();
    this.handle = undefined;
  }

  /** The running dashboard (navigate, current view). */
  get dashboard(): DashboardHandle | undefined {
    return this.handle;
  }

  private restart(): void {
    this.handle?.unmount();
    const poll = this.getAttribute('poll-ms');
    const common = {
      hash: this.hasAttribute('hash') && !this.hasAttribute('no-hash'),
      pollMs: poll === null ? undefined : Number(poll),
    };
    this.handle =
      this.storeValue !== undefined
        ? mount(this, { ...common, store: this.storeValue })
        : mount(this, {
            ...common,
            url: this.getAttribute('url') ?? '',
            token: this.getAttribute('token') ?? undefined,
          });
  }
}

if (typeof customElements !== 'undefined' && customElements.get('pipetrace-dashboard') === undefined) {
  customElements.define('pipetrace-dashboard', PipetraceDashboard);
}
