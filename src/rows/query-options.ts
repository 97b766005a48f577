/** The row queries' options as a caller gives them, checked in one place (invalid_input naming the option). */
import { checkReviewMethod } from '../analysis/review.js';
import { checkNameList, checkOptions, checkPointer, checkPositiveInt, checkRunId, checkTime } from '../validate.js';
import type { RowReviewOptions } from './review.js';
import type { RowTraceOptions } from './trace.js';

/** Options of traceRow and impact. */
export function checkRowTraceOptions(options: unknown): RowTraceOptions {
  const o = checkOptions<RowTraceOptions>('options', options, ['run', 'maxRows', 'maxSteps']);
  if (o.run !== undefined) checkRunId('run', o.run);
  if (o.maxRows !== undefined) checkPositiveInt('maxRows', o.maxRows);
  if (o.maxSteps !== undefined) checkPositiveInt('maxSteps', o.maxSteps);
  return o;
}

/** Options of reviewRows. */
export function checkRowReviewOptions(options: unknown): RowReviewOptions {
  const o = checkOptions<RowReviewOptions>('options', options, [
    'pointers',
    'population',
    'since',
    'until',
    'metric',
    'limit',
  ]);
  const out: RowReviewOptions = {};
  if (o.pointers !== undefined) out.pointers = checkNameList('pointers', o.pointers, checkPointer);
  if (o.population !== undefined) out.population = checkNameList('population', o.population, checkPointer);
  if (o.since !== undefined) out.since = checkTime('since', o.since);
  if (o.until !== undefined) out.until = checkTime('until', o.until);
  if (o.metric !== undefined) out.metric = checkReviewMethod('metric', o.metric);
  if (o.limit !== undefined) out.limit = checkPositiveInt('limit', o.limit);
  return out;
}
