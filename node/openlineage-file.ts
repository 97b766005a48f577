/**
 * OpenLineage events in files (Node only): an NDJSON file transport, and reading events back
 * from NDJSON or a JSON array, as `pipetrace import` does.
 */
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PipetraceError } from '../src/errors.js';
import type { Transport } from '../src/openlineage/transports.js';

/**
 * Appends each event as one JSON line to `path` (created with its folder if missing). Each
 * `emit` is one append and is flushed to disk before it resolves, so a crash loses at most the
 * batch in flight and never leaves half an earlier one.
 */
export function fileTransport(path: string, options: { fsync?: boolean } = {}): Transport {
  let ready: Promise<unknown> | undefined;
  let queue: Promise<void> = Promise.resolve();
  return {
    emit(events) {
      if (events.length === 0) return queue;
      const text = events.map((e) => `${JSON.stringify(e)}\n`).join('');
      const write = async () => {
        ready ??= mkdir(dirname(path), { recursive: true });
        await ready;
        if (options.fsync === false) {
          await appendFile(path, text, 'utf8');
          return;
        }
        const handle = await open(path, 'a');
        try {
          await handle.appendFile(text, 'utf8');
          await handle.sync();
        } finally {
          await handle.close();
        }
      };
      // Writes stay in emit order even when callers do not await.
      queue = queue.then(write, write);
      return queue;
    },
  };
}

/**
 * Parses events from text: a JSON array, a single JSON object, or NDJSON (one event per line;
 * blank lines skipped). A line that is not JSON throws invalid_input naming the line.
 */
export function parseEventsText(text: string, source = 'input'): unknown[] {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new PipetraceError('invalid_input', `${source}: is not a valid JSON array (${(error as Error).message})`, {
        field: source,
      });
    }
    return parsed as unknown[];
  }
  const out: unknown[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // A pretty-printed single object spans lines: try the whole text once.
      if (out.length === 0) {
        try {
          return [JSON.parse(text)];
        } catch {
          /* fall through to the line error */
        }
      }
      throw new PipetraceError('invalid_input', `${source}:${i + 1}: is not valid JSON`, {
        field: `${source}:${i + 1}`,
      });
    }
  }
  return out;
}

/** Reads events from a file of NDJSON or a JSON array. */
export async function readEventsFile(path: string): Promise<unknown[]> {
  return parseEventsText(await readFile(path, 'utf8'), path);
}
