/** A progress bar on a stream: redrawn in place on a terminal, a line now and then otherwise. */

export interface Progress {
  update(done: number, total: number, label: string): void;
  /** Ends the bar (a newline on a terminal). */
  done(): void;
}

export function progressBar(write: (text: string) => void, isTTY: boolean, width = 28): Progress {
  let drawn = false;
  let lastShare = -1;
  return {
    update(done, total, label) {
      const share = total === 0 ? 1 : done / total;
      if (isTTY) {
        const full = Math.round(share * width);
        const bar = `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
        write(`\r${bar} ${String(Math.round(share * 100)).padStart(3)}%  ${label}`.padEnd(width + 48));
        drawn = true;
        return;
      }
      // Off a terminal, one line per quarter keeps logs short.
      const quarter = Math.floor(share * 4);
      if (quarter > lastShare) {
        lastShare = quarter;
        write(`${Math.round(share * 100)}% ${label}\n`);
      }
    },
    done() {
      if (drawn) write('\n');
      drawn = false;
    },
  };
}
