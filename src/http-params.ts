/**
 * A query's arguments as an HTTP request: path parameters and a query string, written by the
 * clients and read back by the server. Browser-safe (URLSearchParams only).
 */
import { invalid } from './errors.js';
import type { Target } from './target.js';

/** Query-string values: a list repeats the parameter; undefined leaves it out. */
export type QueryValues = Record<string, string | number | readonly string[] | undefined>;

/** A request as a client builds it: `:name` path parameters and query-string values. */
export interface HttpParts {
  params?: Record<string, string>;
  query?: QueryValues;
}

/** The query string for `values` ('' when there is none, else starting with `?`). */
export function queryString(values: QueryValues = {}): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    if (typeof v === 'object') for (const item of v) s.append(k, item);
    else s.set(k, String(v));
  }
  const text = s.toString();
  return text === '' ? '' : `?${text}`;
}

/** `path` with its `:name` segments filled in, percent-encoded. */
export function fillPath(path: string, params: Record<string, string> = {}): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw invalid(name, 'is required');
    return encodeURIComponent(value);
  });
}

/** A target as query-string values: `pointer`, `run` or `target` (a bare string: pointer first, then run id). */
export function targetValues(target: Target): QueryValues {
  if (typeof target === 'string') return { target };
  if ('pointer' in target) return { pointer: target.pointer };
  return { run: target.run };
}

/** Reads a request's parameters, remembering which were read so that an unknown one is an error. */
export class ParamReader {
  private readonly seen = new Set<string>();

  constructor(
    /** Path parameters by name, already percent-decoded. */
    readonly params: Record<string, string>,
    private readonly query: URLSearchParams,
  ) {}

  /** A path parameter. */
  param(name: string): string {
    const value = this.params[name];
    if (value === undefined) throw invalid(name, 'is required');
    return value;
  }

  /** A query parameter given at most once. */
  text(name: string): string | undefined {
    this.seen.add(name);
    const all = this.query.getAll(name);
    if (all.length > 1) throw invalid(name, 'is given more than once');
    return all[0];
  }

  /** A query parameter that must be there. */
  required(name: string, hint = ''): string {
    const value = this.text(name);
    if (value === undefined) throw invalid(name, `is required${hint}`);
    return value;
  }

  /** Every value of a repeatable parameter (undefined when absent). */
  list(name: string): string[] | undefined {
    this.seen.add(name);
    const all = this.query.getAll(name);
    return all.length === 0 ? undefined : all;
  }

  /** A whole number. */
  int(name: string): number | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    if (!/^\d{1,15}$/.test(raw)) throw invalid(name, `must be a whole number, got ${JSON.stringify(raw.slice(0, 40))}`);
    return Number(raw);
  }

  /** A finite number. */
  num(name: string): number | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n))
      throw invalid(name, `must be a number, got ${JSON.stringify(raw.slice(0, 40))}`);
    return n;
  }

  /** Epoch milliseconds as digits, or an ISO date string (the core checks it). */
  time(name: string): number | string | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    return /^-?\d{1,16}$/.test(raw) ? Number(raw) : raw;
  }

  /** Epoch milliseconds only. */
  millis(name: string): number | undefined {
    const value = this.time(name);
    if (typeof value === 'string') throw invalid(name, 'must be epoch milliseconds');
    return value;
  }

  /** `?pointer=`, `?run=` or `?target=`: exactly one. */
  target(): Target {
    const pointer = this.text('pointer');
    const run = this.text('run');
    const either = this.text('target');
    const given = [pointer, run, either].filter((x) => x !== undefined).length;
    if (given !== 1) throw invalid('target', 'give exactly one of ?pointer=, ?run= or ?target=');
    if (pointer !== undefined) return { pointer };
    if (run !== undefined) return { run };
    return either as string;
  }

  /** Refuses a query parameter nothing read: a misspelt option is an error, not silently ignored. */
  finish(): void {
    for (const name of this.query.keys()) {
      if (!this.seen.has(name)) {
        const known = [...this.seen];
        throw invalid(
          name.length > 40 ? `${name.slice(0, 40)}…` : name,
          `is not a parameter of this route${known.length === 0 ? ' (it takes none)' : ` (known: ${known.join(', ')})`}`,
        );
      }
    }
  }
}

/** Copies an object without its undefined members, so undefined never overrides a default. */
export function defined<T extends Record<string, unknown>>(value: T): T {
  const out = {} as T;
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
