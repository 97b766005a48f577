import type { Problem } from './format.js';

const MAX_PROBLEMS = 1000;

/** The torn or corrupt records a store has met: each told once, the first 1000 kept. */
export class Problems {
  private readonly found: Problem[] = [];
  private readonly told = new Set<string>();

  constructor(private readonly onCorrupt: (problem: Problem) => void) {}

  report(problem: Problem): void {
    // A bad line under the index is met again at every read of it: tell once.
    const key = `${problem.file}\n${problem.line}\n${problem.reason}`;
    if (this.told.has(key)) return;
    if (this.told.size < MAX_PROBLEMS) this.told.add(key);
    if (this.found.length < MAX_PROBLEMS) this.found.push(problem);
    this.onCorrupt({ ...problem });
  }

  list(): Problem[] {
    return this.found.map((p) => ({ ...p }));
  }
}
