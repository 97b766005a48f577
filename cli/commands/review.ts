/** `pipetrace review`: who is to blame for the flagged outputs and rows, with the evidence. */
import { REVIEW_METHODS, type ReviewMethod } from '../../src/analysis/spectrum.js';
import { reviewText, rowReviewText } from '../../src/render/plain-text.js';
import { cannotScoreText, standingRows, upstreamRowLines } from '../../src/render/review-sections.js';
import { allFlaggedRows } from '../../src/rows/flags.js';
import { type RowReview, type RowReviewMetric, reviewRows } from '../../src/rows/index.js';
import { UsageError } from '../command.js';
import { int, queryCommand, STORE_USAGE, view } from './query-common.js';

const usage = `Usage: pipetrace review [--method M] [--limit N] [--min-support N] [--runs-only | --rows-only] [options]

Ranks the runs and components behind the flagged outputs (pipetrace flag POINTER) and, where
rows are flagged, behind the flagged rows through row lineage: spectrum-based fault
localisation over flagged (F) and unflagged (P) outputs of the same producers. Candidates
with equal evidence form a group; each shows ef and ep, the flagged and unflagged outputs
whose lineage holds it. Upstream rows are listed only where some stand out: behind three or
more flagged rows, and more flagged than unflagged ones (the dashboard uses the same rule).

  --method M       ochiai (default), tarantula, coverage, or risk_ratio (runs only)
  --limit N        tie groups listed in every section: runs, components, row candidates and
                   upstream rows (default 5 in text, 20 in JSON)
  --min-support N  candidates behind fewer flagged outputs are left out (default 1; 3 for risk_ratio)
  --runs-only      only the review of flagged pointers
  --rows-only      only the review of flagged rows

${STORE_USAGE}`;

/** The row review with only the upstream rows that stand out (its lists already hold `groups` score groups). */
function standingOnly(rows: RowReview, groups: number): RowReview {
  return { ...rows, rows: standingRows(rows.rows, groups) };
}

export const review = queryCommand({
  name: 'review',
  summary: 'rank the likely culprits behind flagged outputs and rows',
  usage,
  options: {
    method: { type: 'string' },
    limit: { type: 'string' },
    'min-support': { type: 'string' },
    'runs-only': { type: 'boolean' },
    'rows-only': { type: 'boolean' },
  },
  run: ({ values }) => {
    const method = (values.method ?? 'ochiai') as ReviewMethod;
    if (!REVIEW_METHODS.includes(method)) throw new UsageError(`--method: must be one of ${REVIEW_METHODS.join(', ')}`);
    if (values['runs-only'] && values['rows-only']) throw new UsageError('give --runs-only or --rows-only, not both');
    if (values['rows-only'] && method === 'risk_ratio') throw new UsageError('--method risk_ratio: runs only');
    const limit = int('limit', values.limit) ?? (values.json ? 20 : 5);
    const minSupport = int('min-support', values['min-support'], 1, 1_000_000);
    return async (s) => {
      const runs = values['rows-only']
        ? null
        : await s.pt.review({ method, limit, ...(minSupport === undefined ? {} : { minSupport }) });
      let rows: RowReview | null = null;
      if (!values['runs-only'] && method !== 'risk_ratio' && (await allFlaggedRows(s.store)).length > 0) {
        rows = standingOnly(await reviewRows(s.store, { metric: method as RowReviewMetric, limit }), limit);
      }
      const text = () => {
        const parts: string[] = [];
        if (runs !== null && (runs.F > 0 || rows === null)) {
          const support = minSupport ?? (method === 'risk_ratio' ? 3 : 1);
          parts.push(
            runs.F > 0 && runs.runs.length === 0 ? cannotScoreText(method, runs.F, support) : reviewText(runs, limit),
          );
        }
        if (rows !== null)
          parts.push([rowReviewText(rows, limit, 0), ...upstreamRowLines(rows.rows, limit)].join('\n'));
        return parts.join('\n\n');
      };
      return s.print({ runs, rows }, text, view.review());
    };
  },
});
