/**
 * The command bar: the CLI's verbs typed into the page. A command either opens a view or does
 * something (flag, unflag, tag) and then opens a view.
 */
import { REVIEW_METHODS, type ReviewMethod } from '../src/analysis/spectrum.js';
import { splitAt, versionTime } from '../src/target.js';
import type { RowDirection } from './api.js';
import type { View } from './hash-router.js';

export type Command =
  | { kind: 'open'; view: View }
  | { kind: 'flag' | 'unflag'; pointer: string }
  | { kind: 'tag'; component: string; tags: string[] }
  | { kind: 'error'; message: string };

export const COMMAND_HELP = [
  'recent',
  'history NAME [SINCE [UNTIL]]',
  'inspect RUN_ID',
  'trace POINTER_OR_RUN_ID  /  trace POINTER@2026-12-02  /  trace POINTER --at DATE',
  'flag POINTER',
  'unflag POINTER',
  'flagged',
  'review [ochiai|tarantula|risk_ratio|coverage]',
  'tag COMPONENT TAG...',
  'row POINTER KEY  /  impact POINTER KEY',
];

/** Parses one line; names that hold spaces are taken from the rest of the line. */
export function parseCommand(line: string): Command {
  const text = line.trim();
  const space = text.search(/\s/);
  const verb = (space < 0 ? text : text.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : text.slice(space).trim();
  const words = rest === '' ? [] : rest.split(/\s+/);
  const need = (what: string): Command => ({ kind: 'error', message: `${verb}: give ${what}` });
  switch (verb) {
    case '':
    case 'recent':
      return { kind: 'open', view: { view: 'recent' } };
    case 'history':
      if (words.length === 0) return need('a component name');
      return {
        kind: 'open',
        view: { view: 'history', component: words[0] as string, since: words[1], until: words[2] },
      };
    case 'inspect':
    case 'run':
      return rest === '' ? need('a run id') : { kind: 'open', view: { view: 'run', id: rest } };
    case 'trace': {
      if (rest === '') return need('a pointer');
      // An earlier version: `--at DATE` at the end, or `POINTER@DATE`.
      const flag = /\s+--at\s+(\S+)$/.exec(rest);
      const { target, at } = splitAt(flag ? rest.slice(0, flag.index) : rest, flag?.[1]);
      if (at !== undefined && versionTime(at) === undefined)
        return need(`a date after --at, not ${JSON.stringify(at)}`);
      return { kind: 'open', view: { view: 'trace', pointer: target, ...(at === undefined ? {} : { at }) } };
    }
    case 'flag':
    case 'unflag':
      return rest === '' ? need('a pointer') : { kind: verb, pointer: rest };
    case 'flagged':
      return { kind: 'open', view: { view: 'flagged' } };
    case 'review': {
      if (rest === '') return { kind: 'open', view: { view: 'review' } };
      if (!REVIEW_METHODS.includes(rest as ReviewMethod)) return need(`a method: ${REVIEW_METHODS.join(', ')}`);
      return { kind: 'open', view: { view: 'review', method: rest as ReviewMethod } };
    }
    case 'tag':
      if (words.length < 2) return need('a component and one or more tags');
      return { kind: 'tag', component: words[0] as string, tags: words.slice(1) };
    case 'row':
    case 'rows':
    case 'impact': {
      const direction: RowDirection = verb === 'impact' ? 'forward' : 'backward';
      if (words.length < 2) return need('a pointer and a row key');
      const cut = rest.lastIndexOf(words[words.length - 1] as string);
      const key = rest.slice(cut);
      return {
        kind: 'open',
        view: { view: 'rows', pointer: rest.slice(0, cut).trim(), key: asJsonKey(key), direction },
      };
    }
    default:
      return { kind: 'error', message: `unknown command ${JSON.stringify(verb)}; try: ${COMMAND_HELP.join(' | ')}` };
  }
}

/** A typed key as JSON text: JSON stays, a bare word becomes a string key. */
export function asJsonKey(text: string): string {
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(text);
  }
}
