/** Row keys and row traces as JSON (bigint keys as {"n": "..."}), as they travel over HTTP. */
import { PipetraceError } from '../errors.js';
import { checkRowKey, keyFromJson, keyToJson, type RowKey } from './format/keys.js';
import type { RowRef, RowTrace } from './trace.js';

/** A row key from JSON text ("a" for a string, 42 for a number, ["a", 1] for a composite), or invalid_input. */
export function rowKeyFromText(field: string, text: string): RowKey {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PipetraceError(
      'invalid_input',
      `${field}: must be JSON: "a" for a string, 42 for a number, ["a", 1] for a composite`,
      { field },
    );
  }
  return checkRowKey(field, keyFromJson(value));
}

/** A row key as JSON text (the inverse of rowKeyFromText). */
export function rowKeyToText(key: RowKey): string {
  return JSON.stringify(keyToJson(key));
}

function mapKeys(trace: RowTrace, map: (key: never) => unknown): unknown {
  const rows = (list: RowRef[]) => list.map((r) => (r.key === undefined ? r : { ...r, key: map(r.key as never) }));
  return {
    ...trace,
    key: map(trace.key as never),
    steps: trace.steps.map((s) => ({
      ...s,
      rows: rows(s.rows),
      links: s.links.map((l) => ({ ...l, rows: rows(l.rows) })),
    })),
    origins: trace.origins.map((o) => ({ ...o, rows: rows(o.rows) })),
  };
}

/** A row trace with every key JSON-safe. */
export function rowTraceToJson(trace: RowTrace): unknown {
  return mapKeys(trace, keyToJson);
}

/** A row trace from its JSON form, keys as they were (bigints again). */
export function rowTraceFromJson(json: unknown): RowTrace {
  return mapKeys(json as RowTrace, keyFromJson) as RowTrace;
}
