/**
 * Views as hash routes, so every view has a URL a person can share:
 *   #/recent  #/history/NAME?since=&until=&cursor=&metric=  #/run/ID  #/trace/POINTER?open=RUN&depth=N|all&as=graph  #/trace-run/ID
 *   #/review?method=  #/flagged  #/rows?pointer=&key=&direction=  #/retractions  #/retraction/LABEL
 *   #/monitor?pointer=&column=&task=&metric=&window=
 * Names sit in one percent-encoded segment, so `/`, `?` and `#` inside them are data.
 */
import type { ReviewMethod } from '../src/analysis/spectrum.js';
import { REVIEW_METHODS } from '../src/analysis/spectrum.js';
import type { RowDirection } from './api.js';

export type View =
  | { view: 'recent' }
  | { view: 'history'; component: string; since?: string; until?: string; cursor?: string; metric?: string }
  | { view: 'run'; id: string }
  | { view: 'trace'; pointer: string; open?: string; depth?: string; at?: string; as?: string }
  | { view: 'trace-run'; run: string; open?: string; depth?: string; as?: string }
  | { view: 'review'; method?: ReviewMethod }
  | { view: 'flagged' }
  | { view: 'rows'; pointer?: string; key?: string; direction?: RowDirection }
  | { view: 'retractions' }
  | { view: 'retraction'; label: string }
  | { view: 'monitor'; pointer?: string; column?: string; task?: string; metric?: string; window?: string };

const seg = encodeURIComponent;

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The hash for a view (starting with '#/'). */
export function formatView(v: View): string {
  const query = (params: Record<string, string | undefined>) => {
    const s = new URLSearchParams();
    for (const [k, value] of Object.entries(params)) if (value !== undefined && value !== '') s.set(k, value);
    const text = s.toString();
    return text === '' ? '' : `?${text}`;
  };
  switch (v.view) {
    case 'recent':
      return '#/recent';
    case 'history':
      return `#/history/${seg(v.component)}${query({ since: v.since, until: v.until, cursor: v.cursor, metric: v.metric })}`;
    case 'run':
      return `#/run/${seg(v.id)}`;
    case 'trace':
      return `#/trace/${seg(v.pointer)}${query({ open: v.open, depth: v.depth, at: v.at, as: v.as })}`;
    case 'trace-run':
      return `#/trace-run/${seg(v.run)}${query({ open: v.open, depth: v.depth, as: v.as })}`;
    case 'review':
      return `#/review${query({ method: v.method })}`;
    case 'flagged':
      return '#/flagged';
    case 'rows':
      return `#/rows${query({ pointer: v.pointer, key: v.key, direction: v.direction })}`;
    case 'retractions':
      return '#/retractions';
    case 'retraction':
      return `#/retraction/${seg(v.label)}`;
    case 'monitor':
      return `#/monitor${query({ pointer: v.pointer, column: v.column, task: v.task, metric: v.metric, window: v.window })}`;
  }
}

/** The view a hash names; anything unknown or malformed is the recent view. */
export function parseView(hash: string): View {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q)).split('/');
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const get = (name: string) => query.get(name) ?? undefined;
  const name = path.length === 2 ? decode(path[1] as string) : undefined;
  switch (path[0]) {
    case 'history':
      if (name)
        return {
          view: 'history',
          component: name,
          since: get('since'),
          until: get('until'),
          cursor: get('cursor'),
          metric: get('metric'),
        };
      break;
    case 'run':
      if (name) return { view: 'run', id: name };
      break;
    case 'trace':
      if (name)
        return { view: 'trace', pointer: name, open: get('open'), depth: get('depth'), at: get('at'), as: get('as') };
      break;
    case 'trace-run':
      if (name) return { view: 'trace-run', run: name, open: get('open'), depth: get('depth'), as: get('as') };
      break;
    case 'review': {
      const method = get('method');
      return {
        view: 'review',
        method: REVIEW_METHODS.includes(method as ReviewMethod) ? (method as ReviewMethod) : undefined,
      };
    }
    case 'flagged':
      return { view: 'flagged' };
    case 'retractions':
      return { view: 'retractions' };
    case 'retraction':
      if (name) return { view: 'retraction', label: name };
      break;
    case 'rows': {
      const direction = get('direction');
      return {
        view: 'rows',
        pointer: get('pointer'),
        key: get('key'),
        direction: direction === 'forward' ? 'forward' : direction === 'backward' ? 'backward' : undefined,
      };
    }
    case 'monitor': {
      const [pointer, column, task, metric, window] = ['pointer', 'column', 'task', 'metric', 'window'].map(get);
      return { view: 'monitor', pointer, column, task, metric, window };
    }
  }
  return { view: 'recent' };
}
