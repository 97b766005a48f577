/**
 * The candidates in the run-level review's ranked groups: runs and components. Their own file,
 * so the modules that build them need not import the review that uses them.
 */
import type { Evidence } from './evidence.js';

export interface RunCandidate {
  kind: 'run';
  id: string;
  component: string;
  startedAt: number;
  evidence: Evidence;
}

export interface ComponentCandidate {
  kind: 'component';
  name: string;
  evidence: Evidence;
  /** Its best-scoring version (`component@version`), which orders components that tie. */
  bestVersion?: string;
}
