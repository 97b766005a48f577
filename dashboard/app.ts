/**
 * The dashboard shell: header with the command bar and navigation, the current view, live
 * updates (from the server's event stream when the API offers one, else by polling the newest
 * run every few seconds) and a status line for actions.
 */
import type { Run } from '../src/model.js';
import type { DashboardApi } from './api.js';
import { COMMAND_HELP, parseCommand } from './commands.js';
import { fill, h } from './dom.js';
import { formatView, parseView, type View } from './hash-router.js';
import { STYLES } from './styles.js';
import type { ViewContext } from './view-context.js';
import { homeView } from './views/home.js';
import { flaggedView, historyView } from './views/lists.js';
import { retractionsView, retractionView } from './views/retractions.js';
import { reviewView } from './views/review.js';
import { rowsView } from './views/rows.js';
import { runView } from './views/run-card.js';
import { traceView } from './views/trace.js';
import { nextFrame, nextTask } from './yield.js';

export interface AppOptions {
  api: DashboardApi;
  /** Follow and set location.hash (default true); false keeps the view in memory only. */
  hash?: boolean;
  /**
   * Poll for new runs every this many ms when the API has no event stream; 0 turns live updates
   * off. Default 4000.
   */
  pollMs?: number;
  /** Offer a write-token field (HTTP mode). */
  tokenField?: { get(): string | undefined; set(token: string): void };
}

export interface DashboardHandle {
  /** Opens a view. */
  navigate(view: View): void;
  /** The view on screen. */
  readonly view: View;
  /** Stops polling and removes the dashboard. */
  unmount(): void;
}

/** The nodes of a view, once loaded. */
function viewOf(view: View, ctx: ViewContext): Promise<Node> {
  switch (view.view) {
    case 'recent':
      return homeView(ctx);
    case 'history':
      return historyView(ctx, view);
    case 'flagged':
      return flaggedView(ctx);
    case 'run':
      return runView(ctx, view.id);
    case 'trace':
    case 'trace-run':
      return traceView(ctx, view);
    case 'review':
      return reviewView(ctx, view);
    case 'rows':
      return rowsView(ctx, view);
    case 'retractions':
      return retractionsView(ctx);
    case 'retraction':
      return retractionView(ctx, view.label);
    case 'monitor': // its own chunk, with uPlot in another: the other views do not carry them
      return import('./views/monitor.js').then((m) => m.monitorView(ctx, view));
  }
}

export function startApp(root: ShadowRoot | HTMLElement, options: AppOptions): DashboardHandle {
  const useHash = options.hash !== false;
  let view: View = useHash ? parseView(location.hash) : { view: 'recent' };
  let generation = 0;
  const main = h('main', { id: 'pt-main', tabindex: '-1' });
  const status = h('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
  const live = h('span', { class: 'live', title: 'new runs appear without a reload' }, 'live');
  const toastBox = h('div');
  let toastTimer: ReturnType<typeof setTimeout> | undefined;
  const notify = (message: string) => {
    status.textContent = message;
    fill(toastBox, h('div', { class: 'toast', role: 'alert' }, message));
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => fill(toastBox), 4000);
  };

  const navLinks: [string, View][] = [
    ['Home', { view: 'recent' }],
    ['Flagged', { view: 'flagged' }],
    ['Review', { view: 'review' }],
    ['Rows', { view: 'rows' }],
    ['Retractions', { view: 'retractions' }],
    ['Monitor', { view: 'monitor' }],
  ];
  // The header (its form controls the costliest part) is built in the task that puts the shell on
  // the page, not inside the element's start; anything that needs it sooner builds it then.
  const buildBar = () => {
    const nav = h(
      'nav',
      { 'aria-label': 'views' },
      ...navLinks.map(([label, v]) => h('a', { href: formatView(v), 'data-view': v.view }, label)),
    );
    const input = h('input', {
      type: 'search',
      name: 'command',
      'aria-label': 'command',
      placeholder: 'trace POINTER · history COMPONENT · flag POINTER · review',
      autocomplete: 'off',
      list: 'pt-commands',
      title: `press / to focus\n${COMMAND_HELP.join('\n')}`,
    });
    const datalist = h(
      'datalist',
      { id: 'pt-commands' },
      ...COMMAND_HELP.map((c) => h('option', { value: c.split(' ')[0] as string })),
    );
    const form = h(
      'form',
      {
        class: 'command',
        role: 'search',
        onsubmit: (e: Event) => {
          e.preventDefault();
          void runCommand(input.value);
        },
      },
      input,
      datalist,
      h('button', { type: 'submit', class: 'primary' }, 'Run'),
    );
    const tokenInput =
      options.tokenField === undefined
        ? undefined
        : h('input', {
            type: 'password',
            'aria-label': 'write token',
            placeholder: 'write token',
            size: 12,
            onchange: (e: Event) => options.tokenField?.set((e.target as HTMLInputElement).value),
          });
    const readOnly = h('span', { class: 'readonly', hidden: true }, 'read-only');
    const header = h('header', {}, h('h1', {}, 'pipe', h('span', {}, 'trace')), nav, live);
    // The command bar and the token field (form controls, the costliest part to lay out) join the
    // header a frame after it is first drawn, so the shell's first frame lays out half of it.
    void nextFrame().then(() =>
      live.before(form, ...(tokenInput === undefined || writes === 'no' ? [] : [tokenInput]), readOnly),
    );
    return { nav, input, tokenInput, readOnly, header };
  };
  let built: ReturnType<typeof buildBar> | undefined;
  const bar = () => {
    built ??= buildBar();
    return built;
  };
  // What the source lets this page do, asked once before the first view (an in-page store: anything).
  let writes: ViewContext['writes'] = 'yes';
  // Asked one task later, not inside the element's start (the bundle's top level, which defines
  // the element): a short task of its own; and under DevTools a request records its caller's stack,
  // which through the top level reparses the whole bundle for source positions (milliseconds).
  const accessAsked = nextTask().then(() => options.api.access?.());
  const accessKnown = accessAsked.then(
    (a) => {
      if (a === undefined) return;
      writes = a.write;
      if (writes === 'no') {
        const { readOnly, tokenInput } = bar();
        readOnly.hidden = false;
        readOnly.title = 'This server was started without a write token: flags, notes and tags are off.';
        readOnly.textContent = 'read-only: started without a write token, so flags and notes are off';
        tokenInput?.remove();
      }
    },
    () => undefined,
  );
  // The command bar's examples name things in this store, not made-up ones (from the newest run).
  let examples = false;
  const setExamples = (run: Run | undefined) => {
    const out = run?.outputs[0];
    if (examples || run === undefined || out === undefined) return;
    examples = true;
    bar().input.placeholder = `trace ${out} · history ${run.component} · flag ${out} · review`;
  };
  const style = h('style', {}, STYLES);
  // The shell goes on the page one task later, so its first layout (fonts and all) is a task of
  // its own rather than part of the script's start.
  let mounted = true;
  void nextTask().then(() => {
    if (mounted) (root as ParentNode).append(style, bar().header, main, status, toastBox);
  });

  const ctx = (gen: number): ViewContext => ({
    api: options.api,
    go: navigate,
    refresh: () => {
      if (gen === generation) render();
    },
    replace: (next) => {
      if (gen !== generation) return;
      view = next;
      if (useHash && location.hash !== formatView(next)) history.replaceState(null, '', formatView(next));
    },
    href: formatView,
    notify,
    current: () => gen === generation,
    canAskForToken: options.tokenField !== undefined,
    get writes() {
      return writes;
    },
    access: accessKnown,
  });

  async function runCommand(line: string) {
    const cmd = parseCommand(line);
    if (cmd.kind !== 'open' && cmd.kind !== 'error' && writes === 'no') {
      notify(`${cmd.kind}: this server is read-only (started without a write token)`);
      return;
    }
    try {
      switch (cmd.kind) {
        case 'error':
          notify(cmd.message);
          return;
        case 'open':
          navigate(cmd.view);
          break;
        case 'flag':
        case 'unflag':
          await options.api[cmd.kind](cmd.pointer);
          notify(`${cmd.kind === 'flag' ? 'flagged' : 'unflagged'} ${cmd.pointer}`);
          render();
          break;
        case 'tag':
          await options.api.tag(cmd.component, cmd.tags);
          notify(`tagged ${cmd.component}: ${cmd.tags.join(', ')}`);
          navigate({ view: 'history', component: cmd.component });
          break;
      }
      bar().input.value = '';
    } catch (error) {
      notify((error as Error).message);
    }
  }

  function navigate(next: View) {
    if (useHash) {
      const hash = formatView(next);
      if (location.hash !== hash) {
        location.hash = hash; // hashchange renders
        return;
      }
    }
    view = next;
    render();
  }

  /** The view last asked for, once on screen (or failed). */
  let shown: Promise<void> = Promise.resolve();
  /** Shows the current view; resolves once it is on screen (or failed). */
  function render(): Promise<void> {
    const gen = ++generation;
    for (const a of bar().nav.querySelectorAll('a')) {
      if (a.dataset.view === view.view) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    fill(main, h('p', { class: 'muted' }, 'Loading…'));
    // A slow answer must not overwrite the view the user moved on to: fill only while current.
    // The view's queries start now, beside the access question (views that need it await ctx.access).
    shown = viewOf(view, ctx(gen)).then(
      (nodes) => {
        if (gen === generation) fill(main, nodes);
      },
      (error: Error) => {
        if (gen === generation) fill(main, h('div', { class: 'error', role: 'alert' }, error.message));
      },
    );
    return shown;
  }

  // "/" jumps to the command bar from anywhere in the dashboard, as in many web apps.
  const onKey = (e: Event) => {
    const k = e as KeyboardEvent;
    const inField = (k.composedPath()[0] as Element | undefined)?.matches?.('input, textarea, select') ?? false;
    if (k.key === '/' && !inField && !k.ctrlKey && !k.metaKey && !k.altKey) {
      k.preventDefault();
      bar().input.focus();
    }
  };
  document.addEventListener('keydown', onKey);

  // Without the hash, a link to a view opens it in place rather than writing the host page's URL.
  const onClick = (e: Event) => {
    const m = e as MouseEvent;
    if (useHash || m.button !== 0 || m.ctrlKey || m.metaKey || m.shiftKey || m.altKey) return;
    const a = (m.composedPath() as Element[]).find((el) => el instanceof HTMLAnchorElement);
    const href = a?.getAttribute('href');
    if (href?.startsWith('#/')) {
      m.preventDefault();
      navigate(parseView(href));
    }
  };
  root.addEventListener('click', onClick);

  const onHash = () => {
    view = parseView(location.hash);
    render();
  };
  if (useHash) window.addEventListener('hashchange', onHash);

  // The first view starts one task after the element: building the shell and starting the view
  // (its code's first run, its queries) are two tasks, neither long. A view opened meanwhile wins.
  const firstView = nextTask().then(() => (generation === 0 ? render() : shown));

  // Live: watch the newest run; when it changes, say so and refresh the views that list runs.
  let newest: string | undefined;
  let polling = false;
  let again = false;
  const poll = async (): Promise<void> => {
    // A change heard while a look is under way gets a look of its own afterwards.
    if (polling) {
      again = true;
      return;
    }
    polling = true;
    try {
      const [latest] = await options.api.recent(1);
      setExamples(latest);
      live.classList.remove('off');
      // UTC like every time on the page (and toLocaleTimeString's first call costs tens of ms).
      live.textContent = `live · ${new Date().toISOString().slice(11, 19)} UTC`;
      if (latest !== undefined && newest !== undefined && latest.id !== newest) {
        if (view.view === 'recent' || view.view === 'history') render();
        else notify(`new run: ${latest.component}`);
      }
      newest = latest?.id ?? newest;
    } catch {
      live.classList.add('off');
      live.textContent = 'offline';
    } finally {
      polling = false;
      if (again) {
        again = false;
        void poll();
      }
    }
  };
  const pollMs = options.pollMs ?? 4000;
  const streamed = pollMs > 0 && options.api.subscribe !== undefined;
  let stopEvents: (() => void) | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let started = false;
  // Live updates wait for the first view (at most a second): until then its queries have the
  // browser's six connections to the server, and the server, to themselves.
  const startLive = () => {
    if (started) return;
    started = true;
    if (streamed) {
      stopEvents = options.api.subscribe?.(
        (change) => {
          if (change.kind === 'runs' || change.kind === 'resync') void poll();
        },
        (open) => {
          if (open) void poll();
          else {
            live.classList.add('off');
            live.textContent = 'offline';
          }
        },
      );
    }
    if (pollMs > 0 && !streamed) timer = setInterval(poll, pollMs);
    if (pollMs > 0) void poll();
    else {
      live.classList.add('off');
      options.api.recent(1).then(
        ([run]) => setExamples(run),
        () => undefined,
      );
    }
  };
  // A task after the first view is on screen: its last slice and the live watch's start are two tasks.
  void firstView.then(nextTask).then(startLive);
  const fallback = setTimeout(startLive, 1000);
  return {
    navigate,
    get view() {
      return view;
    },
    unmount() {
      started = true; // a first view answering after this starts nothing
      mounted = false;
      clearTimeout(fallback);
      clearInterval(timer);
      stopEvents?.();
      clearTimeout(toastTimer);
      generation++;
      if (useHash) window.removeEventListener('hashchange', onHash);
      document.removeEventListener('keydown', onKey);
      root.removeEventListener('click', onClick);
      for (const el of [style, built?.header, main, status, toastBox]) el?.remove();
    },
  };
}
