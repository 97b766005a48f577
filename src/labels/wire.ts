/** Labelled answers and retraction reports as JSON (bigint row keys as {"n": "..."}), as they travel over HTTP. */
import { keyFromJson, keyToJson } from '../rows/format/keys.js';
import type { RowRef } from '../rows/trace.js';
import type { Labelled } from './labelled.js';
import type { RetractionReport } from './retract.js';

type KeyMap = (key: never) => unknown;

const rows = <T extends { rows: RowRef[] }>(list: T[], map: KeyMap): T[] =>
  list.map((item) => ({
    ...item,
    rows: item.rows.map((r) => (r.key === undefined ? r : { ...r, key: map(r.key as never) })),
  }));

function mapLabelled(value: Labelled, map: KeyMap): Labelled {
  return { ...value, sources: rows(value.sources, map), outputs: rows(value.outputs, map) };
}

function mapReport(value: RetractionReport, map: KeyMap): RetractionReport {
  return {
    ...value,
    sources: rows(value.sources, map),
    models: rows(value.models, map),
    predictions: rows(value.predictions, map),
    files: rows(value.files, map),
  };
}

export const labelledToJson = (value: Labelled): unknown => mapLabelled(value, keyToJson);
export const labelledFromJson = (json: unknown): Labelled => mapLabelled(json as Labelled, keyFromJson as KeyMap);
export const reportToJson = (value: RetractionReport): unknown => mapReport(value, keyToJson);
export const reportFromJson = (json: unknown): RetractionReport =>
  mapReport(json as RetractionReport, keyFromJson as KeyMap);
