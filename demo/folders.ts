/**
 * The demo and the example each keep their own store folder beside the project's store (at the
 * git root, or in the working directory), so neither mixes runs or flags into the other nor
 * into the project's `.pipetrace`. The demo starts from an empty folder every time.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { findStoreDir } from '../node/store-location.js';
import { PipetraceError } from '../src/errors.js';

export const DEMO_STORE_DIR = '.pipetrace-demo';
export const EXAMPLE_STORE_DIR = '.pipetrace-example';
/** The file that marks a folder as the demo's own, so a later demo may empty it. */
export const DEMO_MARKER = 'pipetrace-demo.json';

/** `name` beside where the project's store is or would be. */
export function besideProjectStore(name: string, cwd: string = process.cwd()): string {
  return join(dirname(findStoreDir(cwd)), name);
}

/**
 * Makes `dir` an empty demo folder: a folder an earlier demo made is emptied (a smaller demo
 * after a bigger one must not keep the bigger one's extra days); a folder holding anything
 * else is refused as a conflict, and left as it is.
 */
export function freshDemoFolder(dir: string): void {
  const path = resolve(dir);
  if (existsSync(path) && readdirSync(path).length > 0) {
    if (!existsSync(join(path, DEMO_MARKER)))
      throw new PipetraceError(
        'conflict',
        `${dir} holds files the demo did not make; the demo starts from an empty store every time, so give --store a new folder`,
      );
    rmSync(path, { recursive: true, force: true });
  }
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, DEMO_MARKER), `${JSON.stringify({ madeBy: 'pipetrace demo' })}\n`);
}

/** A folder as a person would type it from `cwd`: relative when inside it. */
export function shownPath(dir: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, resolve(dir));
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? resolve(dir) : rel;
}
