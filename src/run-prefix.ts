/**
 * Run ids as people paste them back, git-style: a full id, a unique prefix of at least 4
 * characters (`0190a1b2`), or the short form the renderers show (`0190a1b2…9f3c`, first and last
 * characters). Only hex-and-dash text is read as a prefix, so a mistyped pointer name never
 * scans the store; a prefix that matches several runs is `ambiguous`, listing them.
 */
import { PipetraceError } from './errors.js';
import type { Run } from './model.js';
import { MAX_SCAN_LIMIT, type Store } from './store.js';

/** The shortest prefix read as one, as in git. */
export const MIN_RUN_PREFIX = 4;
/** Candidates named in an ambiguous error. */
const LISTED = 10;

const PREFIX = /^[0-9a-f][0-9a-f-]{3,}$/i;
const SHORT = /^([0-9a-f][0-9a-f-]{3,})(?:…|\.\.\.)([0-9a-f-]+)$/i;

/** What a text asks for as a partial id, or undefined when it is not one. */
function partial(text: string): { head: string; tail: string } | undefined {
  const short = SHORT.exec(text);
  if (short !== null) return { head: (short[1] as string).toLowerCase(), tail: (short[2] as string).toLowerCase() };
  if (PREFIX.test(text) && text.length >= MIN_RUN_PREFIX) return { head: text.toLowerCase(), tail: '' };
  return undefined;
}

/**
 * The run with id `text`, else the one run whose id `text` abbreviates (see above), else
 * undefined. Throws `ambiguous` when several runs match. A prefix reads every run id once.
 */
export async function findRun(store: Store, text: string): Promise<Run | undefined> {
  const [exact] = await store.getRuns([text]);
  if (exact !== undefined) return exact;
  const want = partial(text);
  if (want === undefined) return undefined;
  const matches: Run[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.scanRuns(
      cursor === undefined ? { order: 'asc', limit: MAX_SCAN_LIMIT } : { order: 'asc', limit: MAX_SCAN_LIMIT, cursor },
    );
    for (const run of page.runs) {
      const id = run.id.toLowerCase();
      if (id.startsWith(want.head) && id.endsWith(want.tail) && id.length >= want.head.length + want.tail.length)
        matches.push(run);
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  if (matches.length <= 1) return matches[0];
  const listed = matches.slice(0, LISTED).map((r) => `${r.id} (${r.component})`);
  const more = matches.length > LISTED ? `, and ${matches.length - LISTED} more` : '';
  throw new PipetraceError(
    'ambiguous',
    `run id ${JSON.stringify(text)} is ambiguous: ${matches.length} runs match: ${listed.join(', ')}${more}`,
    { details: { what: 'run', name: text, candidates: matches.map((r) => r.id) } },
  );
}
