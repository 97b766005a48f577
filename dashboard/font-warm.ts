/**
 * The dashboard's faces and sizes, warmed by the served page while the bundle loads. On Linux a
 * face or size the page has not drawn yet is a blocking call to the browser (fontconfig) in the
 * frame that first draws it, 5-30 ms of waiting on a busy machine (up to 45 ms measured under
 * load); measured on a canvas one per task, each costs a short task of its own instead of
 * lengthening the shell's or a view's frame. Each lookup is such a wait even as a task of its
 * own, so the page warms only the fonts of the view it opens on. Browser-safe (the server
 * imports it to write the script).
 */

import { FONT_FAMILY as FAMILY } from './font-family.js';

/** Fonts every view draws: body text first (the page's own face), the header and headings, form controls, small print. */
const SHELL = [`400 14px ${FAMILY}`, `700 18px ${FAMILY}`, `400 13px ${FAMILY}`, `400 12px ${FAMILY}`];
/** A run card's (and home's): section headings and pointers. */
const CARD = [`700 14px ${FAMILY}`, '400 12.5px monospace'];
/** Home's alone: the incident counts and table headers. */
const HOME = [`700 22px ${FAMILY}`, `600 13px ${FAMILY}`];
/** The trace drawn as a graph: its nodes' labels (the notebook's SVG). */
const GRAPH = [`600 12px ${FAMILY}`, '400 12px monospace'];

/** Weight, size and family of each font a view draws, by the kind of view a hash opens. */
export const WARM_FONTS = {
  /** Home, and any view not named here: the shell's, the card's and home's fonts. */
  other: [...SHELL, ...CARD, ...HOME],
  /** A trace that may be drawn as a graph (asked as one, or at a bounded depth). */
  trace: [...SHELL, ...CARD, ...GRAPH],
  /** A whole trace not asked as a graph (`depth=all`): grouped when large, as the overview. */
  whole: [...SHELL, ...CARD],
} as const satisfies Record<string, readonly string[]>;

export type WarmKind = keyof typeof WARM_FONTS;

/**
 * Which list a hash warms. The served page's script runs this same function (its source is
 * written into the page), so the test of it is a test of the page.
 */
export function warmKind(hash: string): WarmKind {
  const m = /^#\/trace(?:-run)?\/[^?]*(?:\?(.*))?$/.exec(hash);
  if (m === null) return 'other';
  const q = new URLSearchParams(m[1] ?? '');
  return q.get('depth') === 'all' && q.get('as') !== 'graph' ? 'whole' : 'trace';
}

/** The fonts the page warms when it opens on `hash`, in the order the view draws them. */
export function warmFonts(hash: string): readonly string[] {
  return WARM_FONTS[warmKind(hash)];
}

/** The served page's inline script: the opening view's fonts, one measured per task, in the order the page draws them. */
export function fontWarmScript(): string {
  const lists = JSON.stringify(WARM_FONTS).replace(/</g, '\\u003c');
  return `(()=>{const kind=${warmKind.toString()};const f=${lists}[kind(location.hash)];const c=document.createElement('canvas').getContext('2d');if(!c)return;let i=0;const next=()=>{c.font=f[i];c.measureText('pipetrace');if(++i<f.length)setTimeout(next)};setTimeout(next)})()`;
}
