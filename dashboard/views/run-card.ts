/**
 * The run card: who, when, how long, which code, what it read and wrote (with flag toggles and
 * trace links), whether it is stale, its code snapshot and its notes (add one in place).
 */
import type { ReviewCandidate } from '../../src/analysis/candidate.js';
import type { Review } from '../../src/analysis/review.js';
import type { Staleness } from '../../src/analysis/staleness.js';
import type { Component, Run } from '../../src/model.js';
import { counted, formatDuration, formatScore, formatTime } from '../../src/render/format.js';
import { append, fill, fragment, h, keyValues, link } from '../dom.js';
import type { ViewContext } from '../view-context.js';
import { nextFrame, nextTask } from '../yield.js';
import { checksSection } from './checks.js';

export interface RunCardExtras {
  /** Flagged pointer names, for the toggles. */
  flagged: Set<string>;
  component?: Component;
}

/** Loads what a card shows beside the run: the flags and the component (and whether writes work). */
export async function cardExtras(ctx: ViewContext, run: Pick<Run, 'component'>): Promise<RunCardExtras> {
  const [flagged, components] = await Promise.all([ctx.api.flagged(), ctx.api.components(), ctx.access]);
  return { flagged: new Set(flagged.map((p) => p.name)), component: components.find((c) => c.name === run.component) };
}

/** Pointers a card lists at first: a run may read hundreds, and a long list costs its layout up front. */
export const FIRST_POINTERS = 20;
/** Pointers added per task after "show all", so even a very long list never holds the page. */
const POINTER_SLICE = 100;

function pointerList(
  ctx: ViewContext,
  names: string[],
  extras: RunCardExtras,
  toggles: boolean,
  what: string,
): HTMLElement {
  if (names.length === 0) return h('p', { class: 'muted' }, 'none');
  const flagButton = (name: string) => {
    const flag = h('button', {
      type: 'button',
      class: 'flag',
      'aria-pressed': String(extras.flagged.has(name)),
      'aria-label': `flag ${name}`,
      title: 'mark this output as wrong',
    });
    const paint = () => {
      const on = extras.flagged.has(name);
      flag.setAttribute('aria-pressed', String(on));
      flag.textContent = on ? '⚑ flagged' : '⚐ flag';
    };
    paint();
    flag.addEventListener('click', async () => {
      const on = extras.flagged.has(name);
      try {
        await (on ? ctx.api.unflag(name) : ctx.api.flag(name));
        if (on) extras.flagged.delete(name);
        else extras.flagged.add(name);
        paint();
        ctx.notify(`${on ? 'unflagged' : 'flagged'} ${name}`);
      } catch (error) {
        ctx.notify((error as Error).message);
      }
    });
    return flag;
  };
  const item = (name: string) =>
    h(
      'li',
      {},
      h('span', { class: 'mono' }, name),
      link(ctx.href({ view: 'trace', pointer: name }), 'trace', { 'aria-label': `trace ${name}` }),
      toggles && ctx.writes !== 'no'
        ? flagButton(name)
        : extras.flagged.has(name)
          ? h('span', { class: 'status-failed', title: 'flagged' }, '⚑ flagged')
          : null,
    );
  const list = h('ul', { class: 'pointers', 'aria-label': what }, ...names.slice(0, FIRST_POINTERS).map(item));
  if (names.length <= FIRST_POINTERS) return list;
  // The rest on request, a slice per task; focus moves to the first pointer it adds.
  const showAll = h(
    'button',
    {
      type: 'button',
      'data-show-all': '',
      onclick: async () => {
        showAll.disabled = true;
        showAll.textContent = `Showing all ${names.length} ${what}…`;
        for (let from = FIRST_POINTERS; from < names.length; from += POINTER_SLICE) {
          if (from > FIRST_POINTERS) await nextTask();
          if (!list.isConnected) return;
          list.append(...names.slice(from, from + POINTER_SLICE).map(item));
          if (from === FIRST_POINTERS) list.children[FIRST_POINTERS]?.querySelector('a')?.focus();
        }
        more.remove();
      },
    },
    `Show all ${names.length} ${what}`,
  );
  const more = h('p', {}, h('span', { class: 'muted' }, `${names.length - FIRST_POINTERS} more `), showAll);
  return h('div', {}, list, more);
}

/** Staleness reasons in a few words each, for the folded summary (unknown kinds still count). */
const REASON_WORDS: Record<string, string> = {
  fresher_runs: 'newer upstream runs exist',
  old_dependency: 'old upstream runs',
  missing_dependency: 'an upstream run is missing',
};

/** A quiet staleness line, its reasons folded: it must not outshout the evidence. */
function staleness(s: Staleness): HTMLElement {
  if (!s.stale)
    return h('div', { class: 'muted' }, `Fresh: no upstream run older than ${s.maxAgeDays} days or superseded.`);
  const words = [...new Set(s.reasons.map((r) => REASON_WORDS[r.kind] ?? 'other reasons'))];
  return h(
    'details',
    { class: 'note', 'data-stale': '' },
    h('summary', {}, `${words.join('; ')} (${counted(s.reasons.length, 'reason')})`),
    ...s.reasons.map((r) => h('div', { class: 'muted' }, r.message)),
  );
}

// One review answers every card opened within a few seconds (clicking through a trace).
const reviews = new WeakMap<object, { at: number; review: Promise<Review> }>();
function recentReview(ctx: ViewContext): Promise<Review> {
  const cached = reviews.get(ctx.api);
  if (cached !== undefined && Date.now() - cached.at < 15_000) return cached.review;
  const review = ctx.api.review({ limit: 1 });
  reviews.set(ctx.api, { at: Date.now(), review });
  return review;
}

/** Where the run stands in the review, when it leads it: the top suspect, with its evidence. */
function suspectNote(ctx: ViewContext, run: Run, review: Review): HTMLElement | null {
  const lead = (list: ReviewCandidate[] | undefined) => list?.filter((c) => c.group === 1) ?? [];
  const rows = lead(review.rows?.candidates);
  const level = rows.length > 0 ? 'row level' : 'output level';
  const top = (rows.length > 0 ? rows : lead(review.candidates)).find((c) => c.run?.id === run.id);
  if (top === undefined) return null;
  const e = top.evidence;
  return h(
    'div',
    { class: 'warn', role: 'note', 'data-suspect': '' },
    h('b', {}, `Top suspect in the review (${level}). `),
    `Score ${formatScore(e.score)}: reached by ${e.ef} of ${e.F} flagged and ${e.ep} of ${e.P} unflagged. `,
    ...top.differences.map((d) => h('div', {}, d)),
    link(ctx.href({ view: 'review' }), 'See the review →'),
  );
}

/** A run card element; staleness and the run's place in the review load into it when they arrive. */
export function runCard(ctx: ViewContext, run: Run, extras: RunCardExtras): HTMLElement {
  const stale = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Checking staleness…'));
  ctx.api.staleness({ run: run.id }).then(
    (s) => fill(stale, staleness(s)),
    (error: Error) => fill(stale, h('div', { class: 'muted' }, `staleness unavailable: ${error.message}`)),
  );
  const suspect = h('div', {});
  if (extras.flagged.size > 0)
    recentReview(ctx).then(
      (r) => fill(suspect, suspectNote(ctx, run, r)),
      () => undefined,
    );
  const notes = h(
    'ul',
    { class: 'notes' },
    ...run.notes.map((n) => h('li', {}, h('span', { class: 'muted' }, `${formatTime(n.at)} `), n.text)),
  );
  const noteText = h('textarea', {
    name: 'note',
    rows: 2,
    'aria-label': 'new note',
    placeholder: 'add a note…',
    style: 'width:100%',
  });
  const noteForm = h(
    'form',
    {
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const text = noteText.value.trim();
        if (text === '') return;
        try {
          const updated = await ctx.api.addNote(run.id, text);
          const added = updated.notes[updated.notes.length - 1];
          if (added) notes.append(h('li', {}, h('span', { class: 'muted' }, `${formatTime(added.at)} `), added.text));
          noteText.value = '';
          ctx.notify('note added');
        } catch (error) {
          ctx.notify((error as Error).message);
        }
      },
    },
    noteText,
    h('button', { type: 'submit' }, 'Add note'),
  );
  const code = run.code;
  const tags = [...(extras.component?.tags ?? []), ...(code?.tags ?? [])];
  const card = h(
    'section',
    { class: 'panel card', 'aria-label': `run ${run.id}`, 'data-card': run.id },
    h('h3', { style: 'margin-top:0' }, `${run.component} run`),
    h(
      'dl',
      { class: 'card' },
      h('dt', {}, 'id'),
      h('dd', { class: 'mono' }, link(ctx.href({ view: 'run', id: run.id }), run.id)),
      h('dt', {}, 'component'),
      h('dd', {}, link(ctx.href({ view: 'history', component: run.component }), run.component)),
      h('dt', {}, 'started'),
      h('dd', {}, `${formatTime(run.startedAt)} UTC`),
      h('dt', {}, 'ended'),
      h('dd', {}, `${formatTime(run.endedAt)} UTC`),
      h('dt', {}, 'duration'),
      h('dd', {}, formatDuration(run.endedAt - run.startedAt)),
      h('dt', {}, 'status'),
      h(
        'dd',
        { class: `status-${run.status}` },
        run.status,
        run.error ? h('div', { class: 'mono' }, `${run.error.name}: ${run.error.message}`) : null,
      ),
      h('dt', {}, 'git commit'),
      h(
        'dd',
        { class: 'mono' },
        code?.commit ?? '-',
        code?.branch ? ` (${code.branch})` : '',
        code?.dirty ? h('span', { class: 'status-failed' }, ' dirty') : '',
      ),
      h('dt', {}, 'owner'),
      h('dd', {}, extras.component?.owner || '-'),
      h('dt', {}, 'tags'),
      h('dd', {}, tags.length === 0 ? '-' : tags.map((t) => h('span', { class: 'tag' }, t))),
    ),
    suspect,
    Object.keys(run.params).length === 0 ? null : h('h3', {}, 'Params'),
    Object.keys(run.params).length === 0
      ? null
      : keyValues(
          'params',
          Object.entries(run.params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
        ),
    Object.keys(run.metrics).length === 0 ? null : h('h3', {}, 'Metrics'),
    Object.keys(run.metrics).length === 0
      ? null
      : keyValues(
          'metrics',
          Object.entries(run.metrics).map(([k, v]) => [k, String(v)]),
        ),
    stale,
    checksSection(run),
  );
  // Its lists, links and notes join it a frame later: each frame lays out half the card.
  const rest = () => [
    h('h3', {}, `Inputs (${run.inputs.length})`),
    pointerList(ctx, run.inputs, extras, false, 'inputs'),
    h('h3', {}, `Outputs (${run.outputs.length})`),
    pointerList(ctx, run.outputs, extras, true, 'outputs'),
    h('p', {}, link(ctx.href({ view: 'trace-run', run: run.id }), 'Trace this run →')),
    run.snapshot === undefined
      ? null
      : h('details', {}, h('summary', {}, 'Code snapshot'), h('pre', { class: 'snapshot' }, run.snapshot)),
    h('h3', {}, 'Notes'),
    notes,
    ctx.writes === 'no' ? null : noteForm,
  ];
  void nextFrame().then(() => append(card, rest()));
  return card;
}

export async function runView(ctx: ViewContext, id: string): Promise<Node> {
  const run = await ctx.api.inspect(id);
  const extras = await cardExtras(ctx, run);
  return fragment(h('h2', {}, 'Run'), h('div', { style: 'max-width:760px' }, runCard(ctx, run, extras)));
}
