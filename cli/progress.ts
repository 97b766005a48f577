/**
 * Progress on stderr: a bar redrawn in place on a terminal, plain lines otherwise (a log file,
 * CI), at most a few a second either way.
 */
import type { CopyProgress } from '../src/copy.js';

export interface ProgressOutput {
  write(text: string): void;
  /** Draw a bar in place (stderr is a terminal) rather than print lines. */
  tty: boolean;
  /** Milliseconds between updates; default 100 on a terminal, 2 000 for lines. */
  everyMs?: number;
  now?: () => number;
}

/** One line of text for a phase's progress, e.g. `runs  [#####-----]  52%  52,000`. */
export function progressLine(p: CopyProgress, width = 24): string {
  const fraction = Math.max(0, Math.min(1, p.fraction));
  const filled = Math.round(fraction * width);
  const count =
    p.total === undefined
      ? p.done.toLocaleString('en-US')
      : `${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')}`;
  return `${p.phase.padEnd(10)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${count}`;
}

/** A CopyProgress listener that draws the bar or prints lines, and `end()` to finish the last one. */
export function progressReporter(out: ProgressOutput): { update(p: CopyProgress): void; end(): void } {
  const now = out.now ?? (() => Date.now());
  const every = out.everyMs ?? (out.tty ? 100 : 2_000);
  let last = Number.NEGATIVE_INFINITY;
  let phase: string | undefined;
  let pending: CopyProgress | undefined;
  const show = (p: CopyProgress) => {
    out.write(out.tty ? `\r${progressLine(p)}\u001b[K` : `${progressLine(p)}\n`);
    last = now();
    pending = undefined;
  };
  return {
    update(p) {
      // A new phase closes the old one's line with its final figures.
      if (phase !== undefined && p.phase !== phase) {
        if (pending !== undefined) show(pending);
        if (out.tty) out.write('\n');
      }
      const first = p.phase !== phase;
      phase = p.phase;
      if (first || p.fraction >= 1 || now() - last >= every) show(p);
      else pending = p;
    },
    end() {
      if (pending !== undefined) show(pending);
      if (out.tty && phase !== undefined) out.write('\n');
    },
  };
}
