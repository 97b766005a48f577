/** Milliseconds since the Unix epoch. All times in pipetrace are stored this way. */
export type Millis = number;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What a pointer names. Inferred from the name when not given. */
export type PointerType = 'data' | 'model' | 'endpoint' | 'unknown';

export type RunStatus = 'running' | 'succeeded' | 'failed';

/** A named pipeline step. */
export interface Component {
  name: string;
  description: string;
  owner: string;
  tags: string[];
  createdAt: Millis;
  updatedAt: Millis;
}

/**
 * What the store keeps about a pointer beyond the runs that read and write it: an explicit
 * type and the flag. A pointer without a record has its inferred type and is not flagged.
 */
export interface PointerRecord {
  name: string;
  /** Set when a person chose the type; otherwise the type is inferred from the name. */
  type?: PointerType;
  flagged: boolean;
  /** When it was last flagged or unflagged. */
  flaggedAt?: Millis;
  updatedAt: Millis;
}

/** A pointer as a user sees it: record and inference merged. */
export interface Pointer {
  name: string;
  type: PointerType;
  flagged: boolean;
  flaggedAt?: Millis;
}

export interface CodeVersion {
  /** Git commit hash, or any version string the caller chooses. */
  commit?: string;
  branch?: string;
  tags?: string[];
  /** Uncommitted changes in the working tree when the run started. */
  dirty?: boolean;
}

export interface RunError {
  name: string;
  message: string;
  stack?: string;
}

export interface Note {
  at: Millis;
  text: string;
}

/** How a check ended: `error` when it threw, hung past its timeout or returned something that is no verdict. */
export type CheckOutcome = 'pass' | 'fail' | 'error';

/** One check's result, stored with the run it checked. */
export interface CheckResult {
  name: string;
  /** Before the step ran (on its inputs or arguments) or after it (on its outputs or result). */
  phase: 'before' | 'after';
  outcome: CheckOutcome;
  message?: string;
  /** How long the check took; absent for results imported from another tool. */
  durationMs?: number;
  /** The dataset (pointer) and column an imported assertion was about, when it said. */
  pointer?: string;
  column?: string;
}

/** A finished component run as stored. A run is stored whole when it ends or fails. */
export interface Run {
  /** Time-sortable id (UUIDv7 unless the caller supplied one). */
  id: string;
  component: string;
  startedAt: Millis;
  endedAt: Millis;
  status: Exclude<RunStatus, 'running'>;
  error?: RunError;
  /** Pointer names read, unique, in the order first added. */
  inputs: string[];
  /** Pointer names written, unique, in the order first added. */
  outputs: string[];
  /** Ids of the runs this run depends on, inferred from its inputs when it was logged. */
  dependencies: string[];
  code?: CodeVersion;
  /** Source text of the code that ran, when the caller kept it. */
  snapshot?: string;
  notes: Note[];
  params: Record<string, JsonValue>;
  metrics: Record<string, number>;
  /** Results of the checks that ran before and after the step, in the order they ran. */
  checks?: CheckResult[];
}
