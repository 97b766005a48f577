/**
 * A tiny describe/it/expect for running TestApi suites (src/testing.ts) inside a browser page.
 * It supports the matchers the shared suites use, runs tests one after another and returns
 * plain results the harness carries back to Node. Plain TypeScript: it also runs in Node.
 */

export interface BrowserTestResult {
  /** The describe path and the test name, joined by ' > '. */
  name: string;
  ok: boolean;
  error?: string;
  ms: number;
}

interface Registered {
  name: string;
  body: () => Promise<void> | void;
  timeout: number;
}

const registered: Registered[] = [];
const path: string[] = [];
const DEFAULT_TIMEOUT = 30_000;

export function describe(name: string, body: () => void): void {
  path.push(name);
  try {
    body();
  } finally {
    path.pop();
  }
}

export function it(name: string, body: () => Promise<void> | void, timeout = DEFAULT_TIMEOUT): void {
  registered.push({ name: [...path, name].join(' > '), body, timeout });
}

function describeValue(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_k, v) =>
      v === undefined ? '<undefined>' : ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v,
    );
    if (text === undefined) return String(value);
    return text.length > 600 ? `${text.slice(0, 600)}…` : text;
  } catch {
    return String(value);
  }
}

/** Deep equality as vitest's toEqual sees it: undefined properties are ignored. */
export function deepEqual(a: unknown, b: unknown, seen = new Map<object, object>()): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (a instanceof Map || b instanceof Map || a instanceof Set || b instanceof Set) {
    if (a.constructor !== b.constructor) return false;
    return deepEqual([...(a as Map<unknown, unknown>)], [...(b as Map<unknown, unknown>)], seen);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i], seen));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const key of keys) {
    if (!deepEqual(x[key], y[key], seen)) return false;
  }
  return true;
}

class Matchers {
  constructor(
    private readonly actual: unknown,
    private readonly negated = false,
  ) {}

  get not(): Matchers {
    return new Matchers(this.actual, !this.negated);
  }

  private check(pass: boolean, what: string, ...expected: unknown[]): void {
    if (pass === this.negated) {
      const tail = expected.length > 0 ? ` ${describeValue(expected[0])}` : '';
      throw new Error(`expected ${describeValue(this.actual)} ${this.negated ? 'not ' : ''}${what}${tail}`);
    }
  }

  toBe(expected: unknown): void {
    this.check(Object.is(this.actual, expected), 'to be', expected);
  }
  toEqual(expected: unknown): void {
    this.check(deepEqual(this.actual, expected), 'to equal', expected);
  }
  toStrictEqual(expected: unknown): void {
    this.toEqual(expected);
  }
  toBeUndefined(): void {
    this.check(this.actual === undefined, 'to be undefined');
  }
  toBeDefined(): void {
    this.check(this.actual !== undefined, 'to be defined');
  }
  toBeNull(): void {
    this.check(this.actual === null, 'to be null');
  }
  toBeTruthy(): void {
    this.check(Boolean(this.actual), 'to be truthy');
  }
  toBeFalsy(): void {
    this.check(!this.actual, 'to be falsy');
  }
  toBeGreaterThan(n: number): void {
    this.check((this.actual as number) > n, 'to be greater than', n);
  }
  toBeGreaterThanOrEqual(n: number): void {
    this.check((this.actual as number) >= n, 'to be at least', n);
  }
  toBeLessThan(n: number): void {
    this.check((this.actual as number) < n, 'to be less than', n);
  }
  toBeLessThanOrEqual(n: number): void {
    this.check((this.actual as number) <= n, 'to be at most', n);
  }
  toHaveLength(n: number): void {
    this.check((this.actual as { length?: number })?.length === n, 'to have length', n);
  }
  toContain(item: unknown): void {
    const a = this.actual;
    const pass =
      typeof a === 'string' ? typeof item === 'string' && a.includes(item) : Array.isArray(a) && a.includes(item);
    this.check(pass, 'to contain', item);
  }
  toContainEqual(item: unknown): void {
    this.check(Array.isArray(this.actual) && this.actual.some((x) => deepEqual(x, item)), 'to contain equal', item);
  }
  toMatch(pattern: RegExp | string): void {
    const a = this.actual;
    const pass = typeof a === 'string' && (typeof pattern === 'string' ? a.includes(pattern) : pattern.test(a));
    this.check(pass, 'to match', String(pattern));
  }
  toBeInstanceOf(type: abstract new (...args: never[]) => unknown): void {
    this.check(this.actual instanceof type, 'to be an instance of', type.name);
  }
  toThrow(pattern?: RegExp | string): void {
    let thrown: unknown;
    let threw = false;
    try {
      (this.actual as () => unknown)();
    } catch (error) {
      threw = true;
      thrown = error;
    }
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    const pass =
      threw &&
      (pattern === undefined || (typeof pattern === 'string' ? message.includes(pattern) : pattern.test(message)));
    if (pass === this.negated) {
      throw new Error(
        `expected the function ${this.negated ? 'not ' : ''}to throw${pattern === undefined ? '' : ` ${pattern}`}${threw ? `, it threw: ${message}` : ''}`,
      );
    }
  }
}

export function expect(actual: unknown): Matchers {
  return new Matchers(actual);
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}${error.stack ? `\n${error.stack}` : ''}`;
  return String(error);
}

/** Runs the registered tests in order (those whose name contains `filter`, if given). */
export async function runTests(filter?: string): Promise<BrowserTestResult[]> {
  const results: BrowserTestResult[] = [];
  for (const test of registered) {
    if (filter !== undefined && !test.name.includes(filter)) continue;
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(test.body),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${test.timeout} ms`)), test.timeout);
        }),
      ]);
      results.push({ name: test.name, ok: true, ms: Math.round(performance.now() - started) });
    } catch (error) {
      results.push({
        name: test.name,
        ok: false,
        error: errorText(error),
        ms: Math.round(performance.now() - started),
      });
    } finally {
      clearTimeout(timer);
    }
  }
  return results;
}

/** The names of the registered tests, in order. */
export function registeredTests(): string[] {
  return registered.map((t) => t.name);
}

/** Makes the runner callable from the harness: `window.__browserTests.run(filter)`. */
export function installRunner(): void {
  (globalThis as Record<string, unknown>).__browserTests = { run: runTests, names: registeredTests };
}
