/**
 * The segment line format. A segment is append-only NDJSON: one record per line, and after the
 * records of one write a commit line. Only committed batches count, so a write is all or nothing
 * even when the process dies half way through it.
 *
 *   {"run":{...}}
 *   {"component":{...}}
 *   {"pointer":{...}}
 *   {"blob":{"key":"rows/r1/0","file":"3f/3f2a...e1.5c1d09aa.bin","size":4096}}
 *   {"blob":{"key":"ol/pending/…","deleted":true}}
 *   {"commit":4,"at":1732800000000}
 */
import type { Component, PointerRecord, Run } from '../../src/model.js';

/**
 * Where a blob's bytes live, relative to the blobs folder; or, with `deleted`, that the key was
 * deleted (a tombstone: no file, kept so that an older write seen later cannot bring it back).
 */
export type BlobRef = { key: string; file: string; size: number; deleted?: undefined } | { key: string; deleted: true };

export type SegmentRecord =
  | { kind: 'run'; value: Run }
  | { kind: 'component'; value: Component }
  | { kind: 'pointer'; value: PointerRecord }
  | { kind: 'blob'; value: BlobRef };

/** A record with its place in the segment (byte offset, byte length, 1-based line). */
export type PlacedRecord = SegmentRecord & { off: number; len: number; line: number };

export interface Batch {
  at: number;
  records: PlacedRecord[];
}

export interface Problem {
  /** Path relative to the store folder. */
  file: string;
  /** 1-based line number, or 0 when the problem is not about one line. */
  line: number;
  reason: string;
}

/** Where reading a segment stopped: just after its last commit line. */
export interface SegmentEnd {
  bytes: number;
  lines: number;
}

export interface ParsedSegment {
  batches: Batch[];
  end: SegmentEnd;
  /** Bytes after the last commit: a write in flight, or torn by a crash. */
  tailBytes: number;
  /**
   * The tail has the shape a crash leaves (whole record lines, then at most a part of one) and
   * no sign of a commit, so cutting it loses nothing committed.
   */
  tailTorn: boolean;
  /** Bad whole lines after the last commit (a hand edit there), reported by whoever handles the tail. */
  tailProblems: Problem[];
}

// A line that was meant as a commit (a hand edit damaged it), and the time it may still carry.
const COMMIT_LIKE = /^\s*\{\s*"?com+it|^\s*\{[^{}]{0,40}"at"\s*:\s*\d+\s*\}?\s*$/;
const AT = /"at"\s*:\s*(\d{1,16})/;

/** Blob files are named by the hash of their key, so no key can reach outside the folder. */
export const BLOB_FILE = /^[0-9a-f]{2}\/[0-9a-f]{64}\.[0-9a-f]{8,32}\.bin$/;

const isString = (v: unknown): v is string => typeof v === 'string';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);

/** Why a parsed line is not a record we can index, or undefined when it is one. */
function recordProblem(kind: string, v: unknown): string | undefined {
  if (!isObject(v)) return `"${kind}" is not an object`;
  switch (kind) {
    case 'run':
      if (!isString(v.id) || v.id === '') return 'run without an id';
      if (!isString(v.component)) return `run ${JSON.stringify(v.id)} has no component`;
      if (!isTime(v.startedAt) || !isTime(v.endedAt)) return `run ${JSON.stringify(v.id)} has bad times`;
      if (!isStrings(v.inputs) || !isStrings(v.outputs)) return `run ${JSON.stringify(v.id)} has bad inputs or outputs`;
      return undefined;
    case 'component':
    case 'pointer':
      return isString(v.name) ? undefined : `${kind} without a name`;
    case 'blob':
      if (!isString(v.key)) return 'blob without a key';
      if (v.deleted === true) return undefined;
      if (!isString(v.file) || !BLOB_FILE.test(v.file)) return `blob ${JSON.stringify(v.key)} names a bad file`;
      return isTime(v.size) ? undefined : `blob ${JSON.stringify(v.key)} has no size`;
    default:
      return 'unknown record kind';
  }
}

const KINDS = ['run', 'component', 'pointer', 'blob'] as const;

/** Decodes one line: a record, a commit, or a problem. */
export function decodeLine(
  text: string,
): { record: SegmentRecord } | { commit: number; at: number } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'not valid JSON (torn or edited line)' };
  }
  if (!isObject(value)) return { problem: 'not a JSON object' };
  if (typeof value.commit === 'number' && isTime(value.at)) return { commit: value.commit, at: value.at };
  const keys = Object.keys(value);
  const kind = KINDS.find((k) => k === keys[0]);
  if (keys.length !== 1 || kind === undefined) return { problem: `unknown line ${JSON.stringify(keys.slice(0, 3))}` };
  const why = recordProblem(kind, value[kind]);
  if (why !== undefined) return { problem: why };
  return { record: { kind, value: value[kind] } as SegmentRecord };
}

export function encodeRecord(record: SegmentRecord): string {
  // Same text as JSON.stringify({ [kind]: value }), without building the wrapper object.
  const json = JSON.stringify(record.value);
  if (typeof json !== 'string') throw new TypeError(`a ${record.kind} must be a JSON object`);
  return `{"${record.kind}":${json}}\n`;
}

export function encodeCommit(count: number, at: number): string {
  return `${JSON.stringify({ commit: count, at })}\n`;
}

/**
 * Reads the committed batches of `buf`, which holds a segment from byte `start.bytes` (line
 * `start.lines` + 1) onwards. Bad lines inside committed batches are reported and skipped;
 * lines after the last commit are left for a later read.
 */
export function parseSegment(
  buf: Buffer,
  start: SegmentEnd,
  file: string,
  report: (problem: Problem) => void,
): ParsedSegment {
  const batches: Batch[] = [];
  let pending: PlacedRecord[] = [];
  let pendingProblems: Problem[] = [];
  let pendingLines = 0;
  let pos = 0;
  let line = start.lines;
  let end: SegmentEnd = { ...start };
  let lastAt = 0;
  let lastText = '';
  const commit = (at: number, stop: number, count: number | undefined) => {
    for (const p of pendingProblems) report(p);
    if (count !== undefined && count !== pendingLines - 1) {
      report({
        file,
        line,
        reason: `commit says ${count} records but ${pendingLines - 1} lines precede it; kept the readable ones`,
      });
    }
    batches.push({ at, records: pending });
    lastAt = at;
    pending = [];
    pendingProblems = [];
    pendingLines = 0;
    end = { bytes: start.bytes + stop, lines: line };
  };
  for (;;) {
    const nl = buf.indexOf(10, pos);
    // The last line may lack its newline (editors remove it): a whole commit line still commits.
    const stop = nl < 0 ? buf.length : nl + 1;
    if (pos >= buf.length) break;
    if (nl === pos) {
      // A blank line; at the start of a read, the newline of a commit line read before it came.
      if (pos > 0 || start.bytes === 0) line += 1;
      pos = stop;
      continue;
    }
    const text = buf.toString('utf8', pos, nl < 0 ? buf.length : nl);
    const decoded = decodeLine(text);
    if (nl < 0 && !('commit' in decoded)) break;
    line += 1;
    pendingLines += 1;
    const off = start.bytes + pos;
    if ('record' in decoded) {
      pending.push({ ...decoded.record, off, len: stop - pos, line });
    } else if ('problem' in decoded) {
      pendingProblems.push({ file, line, reason: decoded.problem });
      lastText = text;
    } else {
      commit(decoded.at, stop, decoded.commit);
    }
    pos = stop;
  }
  const rest = buf.length - pos;
  // Whole lines after the last commit ending in a damaged line that was a commit: a hand edit
  // of the commit line, not a crash (a crash tears only the last, unterminated line). Keep the
  // batch, report that line, and let nothing cut it.
  const last = pendingProblems[pendingProblems.length - 1];
  if (rest === 0 && last !== undefined && last.line === line && lastText.length < 100 && COMMIT_LIKE.test(lastText)) {
    pendingProblems.pop();
    const at = Number(AT.exec(lastText)?.[1] ?? lastAt);
    report({ ...last, reason: `a damaged commit line (${last.reason}); kept the ${pending.length} records before it` });
    commit(at, buf.length, undefined);
  }
  const tailBytes = start.bytes + buf.length - end.bytes;
  const tailTorn =
    pendingProblems.length === 0 && !COMMIT_LIKE.test(buf.toString('utf8', pos, Math.min(buf.length, pos + 64)));
  return { batches, end, tailBytes, tailTorn, tailProblems: pendingProblems };
}

/** The order of two writes of the same key: later commit time, then segment name, then offset. */
export interface Version {
  at: number;
  seg: string;
  off: number;
}

export function compareVersions(a: Version, b: Version): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.seg !== b.seg) return a.seg < b.seg ? -1 : 1;
  return a.off - b.off;
}
