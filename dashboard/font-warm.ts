/**
 * The dashboard's faces and sizes, warmed by the served page while the bundle loads. On Linux a
 * face or size the page has not drawn yet is a blocking call to the browser (fontconfig) in the
 * frame that first draws it, 5-30 ms of waiting on a busy machine; measured on a canvas one per
 * task, each costs a short task of its own instead of lengthening the shell's or a view's frame.
 * Browser-safe (the server imports it to write the script).
 */

import { FONT_FAMILY as FAMILY } from './font-family.js';

/** Weight, size and family of each font the shell, home, the trace view and the run card draw. */
export const WARM_FONTS: readonly string[] = [
  `700 18px ${FAMILY}`,
  `400 13px ${FAMILY}`,
  `400 12px ${FAMILY}`,
  `700 14px ${FAMILY}`,
  '400 12.5px monospace',
  `700 22px ${FAMILY}`,
  `600 13px ${FAMILY}`,
];

/** The served page's inline script: one font measured per task, in the order the page draws them. */
export function fontWarmScript(): string {
  const fonts = JSON.stringify(WARM_FONTS).replace(/</g, '\\u003c');
  return `(()=>{const f=${fonts};const c=document.createElement('canvas').getContext('2d');if(!c)return;let i=0;const next=()=>{c.font=f[i];c.measureText('pipetrace');if(++i<f.length)setTimeout(next)};setTimeout(next)})()`;
}
