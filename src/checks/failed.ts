import type { CheckResult } from '../model.js';

/**
 * Thrown by a wrapped call whose check failed under `onFail: 'fail'`: the run is logged as
 * failed with this message. Not a PipetraceError: the step's data was wrong, not the call.
 */
export class CheckFailedError extends Error {
  readonly check: CheckResult;

  constructor(check: CheckResult) {
    const verb = check.outcome === 'fail' ? 'failed' : 'could not run';
    super(
      `${check.phase}-check ${JSON.stringify(check.name)} ${verb}${check.message === undefined ? '' : `: ${check.message}`}`,
    );
    this.name = 'CheckFailedError';
    this.check = check;
  }
}
