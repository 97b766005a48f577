/** `pipetrace drift TARGET` and `pipetrace monitor`: profiles compared with their reference. */
import type { DriftReference } from '../../src/monitor/drift.js';
import { driftText, monitorText } from '../../src/render/plain-text.js';
import { UsageError } from '../command.js';
import { queryCommand, STORE_USAGE, view } from './query-common.js';

const REFERENCE_USAGE = `  --reference R         auto (default: the pinned baseline, else the previous run), previous,
                        runs:N (the N previous runs merged), run:ID, pointer:NAME, baseline:NAME
  --numeric M           wasserstein (default), psi or ks (a p-value: only when asked)
  --categorical M       jensen_shannon (default) or psi
  --threshold COL=X     the threshold of a column's measure (repeatable)`;

const COMPARE_OPTIONS = {
  reference: { type: 'string' },
  numeric: { type: 'string' },
  categorical: { type: 'string' },
  threshold: { type: 'string', multiple: true },
} as const;

function reference(text: string | undefined): DriftReference | undefined {
  if (text === undefined || text === 'auto' || text === 'previous') return text;
  const at = text.indexOf(':');
  const kind = text.slice(0, at);
  const value = text.slice(at + 1);
  if (at > 0 && kind === 'runs' && /^\d+$/.test(value)) return { runs: Number(value) };
  if (at > 0 && kind === 'run' && value !== '') return { run: value };
  if (at > 0 && kind === 'pointer' && value !== '') return { pointer: value };
  if (at > 0 && kind === 'baseline' && value !== '') return { baseline: value };
  throw new UsageError(
    `--reference: auto, previous, runs:N, run:ID, pointer:NAME or baseline:NAME, got ${JSON.stringify(text)}`,
  );
}

function thresholds(list: string[] | undefined): Record<string, number> | undefined {
  if (list === undefined) return undefined;
  const out: Record<string, number> = Object.create(null);
  for (const item of list) {
    const at = item.lastIndexOf('=');
    const value = Number(item.slice(at + 1));
    if (at < 1 || !Number.isFinite(value) || value < 0)
      throw new UsageError(`--threshold: COLUMN=NUMBER, got ${JSON.stringify(item)}`);
    out[item.slice(0, at)] = value;
  }
  return { ...out };
}

function compareOptions(values: { reference?: string; numeric?: string; categorical?: string; threshold?: string[] }) {
  const ref = reference(values.reference as string | undefined);
  const t = thresholds(values.threshold as string[] | undefined);
  return {
    ...(ref === undefined ? {} : { reference: ref }),
    ...(values.numeric === undefined ? {} : { numeric: values.numeric as 'wasserstein' }),
    ...(values.categorical === undefined ? {} : { categorical: values.categorical as 'jensen_shannon' }),
    ...(t === undefined ? {} : { thresholds: t }),
  };
}

export const drift = queryCommand({
  name: 'drift',
  summary: "compare a pointer's (or run's) profile with its reference",
  usage: `Usage: pipetrace drift POINTER|RUN_ID [--run] [--column C]... [options]

Compares the profile of POINTER's latest version (or of each output a run profiled) with its
reference, column by column, as effect sizes with thresholds. Exit 0 either way; the text
and --json say which columns drifted.

  --run                 TARGET is a run id
  --column C            only this column (repeatable)
${REFERENCE_USAGE}

${STORE_USAGE}`,
  options: { run: { type: 'boolean' }, column: { type: 'string', multiple: true }, ...COMPARE_OPTIONS },
  positionals: ['POINTER or RUN_ID'],
  run: ({ values, positionals: [target] }) => {
    const options = {
      ...compareOptions(values),
      ...(values.column === undefined ? {} : { columns: values.column as string[] }),
    };
    return async (s) => {
      const result = await s.pt.drift(values.run ? { run: target } : target, options);
      return s.print(result, () => driftText(result), view.run(result.run.id));
    };
  },
});

export const monitor = queryCommand({
  name: 'monitor',
  summary: 'check the newest output of every step against its reference, in pipeline order',
  usage: `Usage: pipetrace monitor [--component C]... [options]

Compares the newest profiled output of every step with its reference and lists the steps in
pipeline order, upstream first, so the earliest drifted step stands out.

  --component C         only this component (repeatable)
${REFERENCE_USAGE}

${STORE_USAGE}`,
  options: { component: { type: 'string', multiple: true }, ...COMPARE_OPTIONS },
  positionals: [],
  run: ({ values }) => {
    const options = {
      ...compareOptions(values),
      ...(values.component === undefined ? {} : { components: values.component as string[] }),
    };
    return async (s) => {
      const result = await s.pt.monitor(options);
      return s.print(result, () => monitorText(result));
    };
  },
});
