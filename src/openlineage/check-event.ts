/**
 * Structural checks of incoming OpenLineage events, naming the offending field by its path
 * (`events[3].run.runId`). Facet contents must be plain JSON: no prototype keys, bounded depth
 * and size; they are checked in place and kept by reference (the caller must not change them
 * while ingest runs). This is what ingest trusts; the JSON Schemas are checked in tests with ajv.
 */
import { invalid } from '../errors.js';
import { describe, isPlainObject } from '../validate.js';
import {
  type DatasetEvent,
  EVENT_TYPES,
  type EventType,
  type Facet,
  type Facets,
  type JobEvent,
  type LineageEvent,
  type OLDataset,
  type OLJob,
  type RunEvent,
} from './types.js';
import { isUuid } from './uuid.js';

export const MAX_EVENT_BYTES = 8 * 1024 * 1024;
export const MAX_FACET_DEPTH = 64;
export const MAX_DATASETS = 10_000;
const MAX_NAME = 4096;
const RESERVED = new Set(['__proto__', 'constructor', 'prototype']);
const CONTROL = /[\u0000-\u001f\u007f]/;
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** An ISO 8601 date-time as epoch milliseconds; without an offset it is read as UTC. */
export function parseEventTime(field: string, value: unknown): number {
  if (typeof value !== 'string') throw invalid(field, `must be an ISO 8601 date-time string, got ${describe(value)}`);
  const m = value.length <= 64 ? ISO.exec(value) : null;
  if (m === null) throw invalid(field, `is not an ISO 8601 date-time: ${describe(value)}`);
  const [y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m
    .slice(1)
    .map((x) => x ?? undefined) as string[];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  let ms = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), Number((frac + '000').slice(0, 3)));
  const check = new Date(Date.UTC(year, month - 1, day));
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    Number(h) > 23 ||
    Number(mi) > 59 ||
    Number(s) > 60
  ) {
    throw invalid(field, `is not a valid date-time: ${describe(value)}`);
  }
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  if (!Number.isFinite(ms)) throw invalid(field, 'is out of the range of dates');
  return ms;
}

class Budget {
  constructor(public left: number) {}
}

function text(field: string, value: unknown, max = MAX_NAME): string {
  if (typeof value !== 'string') throw invalid(field, `must be a string, got ${describe(value)}`);
  if (value.length === 0) throw invalid(field, 'must not be empty');
  if (value.length > max) throw invalid(field, `is ${value.length} characters long; the limit is ${max}`);
  if (CONTROL.test(value)) throw invalid(field, 'must not contain NUL or other control characters');
  return value;
}

function uri(field: string, value: unknown): string {
  const s = text(field, value);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S*$/.test(s)) throw invalid(field, `must be a URI, got ${describe(s)}`);
  return s;
}

interface Walk {
  base: string;
  keys: (string | number)[];
  budget: Budget;
}

const where = (w: Walk) => w.base + w.keys.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');

function walk(w: Walk, value: unknown, depth: number): void {
  if (depth > MAX_FACET_DEPTH) throw invalid(where(w), `nests deeper than ${MAX_FACET_DEPTH} levels`);
  w.budget.left -= 8;
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(where(w), `must be a finite number, got ${value}`);
    return;
  }
  if (typeof value === 'string') {
    w.budget.left -= value.length;
    if (w.budget.left < 0) throw invalid(where(w), `makes the event larger than ${MAX_EVENT_BYTES} bytes`);
    return;
  }
  if (w.budget.left < 0) throw invalid(where(w), `makes the event larger than ${MAX_EVENT_BYTES} bytes`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      w.keys.push(i);
      walk(w, value[i], depth + 1);
      w.keys.pop();
    }
    return;
  }
  if (!isPlainObject(value)) throw invalid(where(w), `is not a JSON value (${describe(value)})`);
  for (const key of Object.keys(value)) {
    w.keys.push(key);
    if (RESERVED.has(key)) throw invalid(where(w), 'is a reserved key');
    w.budget.left -= key.length;
    walk(w, value[key], depth + 1);
    w.keys.pop();
  }
}

/**
 * Checks a JSON value in place: no prototype keys, finite numbers, bounded depth (which also
 * stops cycles) and size. Paths are only built for an error, so the common case allocates little.
 */
function checkJson(base: string, root: unknown, budget: Budget): void {
  walk({ base, keys: [], budget }, root, 1);
}

function facets(field: string, value: unknown, budget: Budget): Facets | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) throw invalid(field, `must be an object of facets, got ${describe(value)}`);
  const out: Facets = {};
  for (const name of Object.keys(value)) {
    const at = `${field}.${name}`;
    if (RESERVED.has(name)) throw invalid(at, 'is a reserved facet name');
    text(`${field} key`, name, 256);
    const facet = value[name];
    if (!isPlainObject(facet)) throw invalid(at, `must be a facet object, got ${describe(facet)}`);
    uri(`${at}._producer`, facet._producer);
    uri(`${at}._schemaURL`, facet._schemaURL);
    checkJson(at, facet, budget);
    out[name] = facet as Facet;
  }
  return out;
}

function named(field: string, value: unknown, budget: Budget): OLDataset {
  if (!isPlainObject(value)) throw invalid(field, `must be an object, got ${describe(value)}`);
  const out: OLDataset = {
    namespace: text(`${field}.namespace`, value.namespace),
    name: text(`${field}.name`, value.name),
  };
  const f = facets(`${field}.facets`, value.facets, budget);
  if (f !== undefined) out.facets = f;
  return out;
}

function datasets(
  field: string,
  value: unknown,
  extra: 'inputFacets' | 'outputFacets',
  budget: Budget,
): OLDataset[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalid(field, `must be an array of datasets, got ${describe(value)}`);
  if (value.length > MAX_DATASETS) throw invalid(field, `has ${value.length} datasets; the limit is ${MAX_DATASETS}`);
  return value.map((item, i) => {
    const d = named(`${field}[${i}]`, item, budget) as OLDataset & Record<string, Facets>;
    const f = facets(`${field}[${i}].${extra}`, (item as Record<string, unknown>)[extra], budget);
    if (f !== undefined) d[extra] = f;
    return d;
  });
}

function job(field: string, value: unknown, budget: Budget): OLJob {
  return named(field, value, budget);
}

/** A checked copy of one event, whichever of the three kinds it is. */
export function checkEvent(field: string, value: unknown): LineageEvent {
  if (!isPlainObject(value)) throw invalid(field, `must be an OpenLineage event object, got ${describe(value)}`);
  const budget = new Budget(MAX_EVENT_BYTES);
  const base = {
    eventTime: value.eventTime as string,
    producer: uri(`${field}.producer`, value.producer),
    schemaURL: uri(`${field}.schemaURL`, value.schemaURL),
  };
  parseEventTime(`${field}.eventTime`, value.eventTime);
  if (value.run !== undefined) {
    const run = value.run;
    if (!isPlainObject(run)) throw invalid(`${field}.run`, `must be an object, got ${describe(run)}`);
    const runId = text(`${field}.run.runId`, run.runId, 64);
    if (!isUuid(runId)) throw invalid(`${field}.run.runId`, `must be a UUID, got ${describe(runId)}`);
    if (value.job === undefined) throw invalid(`${field}.job`, 'is required in a RunEvent');
    let eventType: EventType | undefined;
    if (value.eventType !== undefined) {
      if (!EVENT_TYPES.includes(value.eventType as EventType)) {
        throw invalid(
          `${field}.eventType`,
          `must be one of ${EVENT_TYPES.join(', ')}, got ${describe(value.eventType)}`,
        );
      }
      eventType = value.eventType as EventType;
    }
    const event: RunEvent = { ...base, run: { runId }, job: job(`${field}.job`, value.job, budget) };
    if (eventType !== undefined) event.eventType = eventType;
    const rf = facets(`${field}.run.facets`, run.facets, budget);
    if (rf !== undefined) event.run.facets = rf;
    const inputs = datasets(`${field}.inputs`, value.inputs, 'inputFacets', budget);
    if (inputs !== undefined) event.inputs = inputs;
    const outputs = datasets(`${field}.outputs`, value.outputs, 'outputFacets', budget);
    if (outputs !== undefined) event.outputs = outputs;
    return event;
  }
  if (value.job !== undefined) {
    const event: JobEvent = { ...base, job: job(`${field}.job`, value.job, budget) };
    const inputs = datasets(`${field}.inputs`, value.inputs, 'inputFacets', budget);
    if (inputs !== undefined) event.inputs = inputs;
    const outputs = datasets(`${field}.outputs`, value.outputs, 'outputFacets', budget);
    if (outputs !== undefined) event.outputs = outputs;
    return event;
  }
  if (value.dataset !== undefined) {
    const event: DatasetEvent = { ...base, dataset: named(`${field}.dataset`, value.dataset, budget) };
    return event;
  }
  throw invalid(field, 'is neither a RunEvent (run and job), a JobEvent (job) nor a DatasetEvent (dataset)');
}

export function isRunEvent(event: LineageEvent): event is RunEvent {
  return 'run' in event;
}

export function isJobEvent(event: LineageEvent): event is JobEvent {
  return !('run' in event) && 'job' in event;
}
