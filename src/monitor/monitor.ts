import type { Run } from '../model.js';
import type { Store } from '../store.js';
import { checkIdentifier, checkNameList, checkOptions } from '../validate.js';
import type { CompareOptions } from './compare.js';
import {
  checkDriftOptions,
  type DriftReference,
  driftOfOutput,
  type OutputDrift,
  type RunRef,
  runRef,
} from './drift.js';
import { readProfiles } from './profile-store.js';

export interface MonitorOptions extends CompareOptions {
  /** What each output is compared with (default 'auto': a pinned baseline, else the previous run). */
  reference?: DriftReference;
  /** Only these components. */
  components?: string[];
}

/** One step: its newest succeeded run and how each of its profiled outputs compares. */
export interface MonitorStep {
  component: string;
  run: RunRef;
  /** False when the run stored no profile: nothing to watch there. */
  profiled: boolean;
  drifted: boolean;
  outputs: OutputDrift[];
}

export interface MonitorReport {
  /** Every step with a succeeded run, in pipeline order (upstream first, then by start time). */
  steps: MonitorStep[];
  /** The drifted steps' components, in pipeline order: the first is where to look first. */
  drifted: string[];
  /** The drifted columns' sentences, in pipeline order. */
  sentences: string[];
}

export function checkMonitorOptions(options: unknown): MonitorOptions {
  const o = checkOptions<MonitorOptions>('options', options, [
    'reference',
    'components',
    'numeric',
    'categorical',
    'thresholds',
    'missingThreshold',
  ]);
  const { components, ...rest } = o;
  checkDriftOptions(rest);
  if (components !== undefined) checkNameList('options.components', components, checkIdentifier);
  return o;
}

/** The newest succeeded run of each component. */
async function latestRuns(store: Store, components: readonly string[]): Promise<Run[]> {
  const runs = await Promise.all(
    components.map(async (component) => {
      let cursor: string | undefined;
      do {
        const page = await store.scanRuns({ component, order: 'desc', limit: 20, ...(cursor ? { cursor } : {}) });
        const ok = page.runs.find((r) => r.status === 'succeeded');
        if (ok !== undefined) return ok;
        cursor = page.cursor;
      } while (cursor !== undefined);
      return undefined;
    }),
  );
  return runs.filter((r): r is Run => r !== undefined);
}

/** Components upstream first (by the latest runs' dependencies), ties by start time and name. */
async function pipelineOrder(store: Store, runs: Run[]): Promise<Run[]> {
  const byComponent = new Map(runs.map((r) => [r.component, r]));
  const depIds = [...new Set(runs.flatMap((r) => r.dependencies))];
  const deps = depIds.length === 0 ? [] : await store.getRuns(depIds);
  const componentOf = new Map(depIds.map((id, i) => [id, deps[i]?.component]));
  const upstream = new Map<string, Set<string>>();
  for (const r of runs) {
    const ups = new Set<string>();
    for (const id of r.dependencies) {
      const c = componentOf.get(id);
      if (c !== undefined && c !== r.component && byComponent.has(c)) ups.add(c);
    }
    upstream.set(r.component, ups);
  }
  const before = (a: Run, b: Run) =>
    a.startedAt - b.startedAt || (a.component < b.component ? -1 : a.component > b.component ? 1 : 0);
  const left = [...runs].sort(before);
  const done = new Set<string>();
  const out: Run[] = [];
  while (left.length > 0) {
    // The earliest step whose upstream steps are all placed; on a cycle (runs of other times), the earliest.
    let i = left.findIndex((r) => [...(upstream.get(r.component) ?? [])].every((c) => done.has(c)));
    if (i === -1) i = 0;
    const [next] = left.splice(i, 1) as [Run];
    done.add(next.component);
    out.push(next);
  }
  return out;
}

/** monitor(): the newest output of every step against its reference, in pipeline order. */
export async function monitorSteps(store: Store, options: MonitorOptions): Promise<MonitorReport> {
  const { components: only, ...drift } = options;
  const names = only ?? (await store.scanComponents()).map((c) => c.name);
  const runs = await pipelineOrder(store, await latestRuns(store, names));
  const refs = runs.flatMap((run) => run.outputs.map((output) => ({ run: run.id, output })));
  const profiles = await readProfiles(store, refs);
  const current = new Map(refs.map((r, i) => [`${r.run}\u0000${r.output}`, profiles[i]]));
  const steps = await Promise.all(
    runs.map(async (run): Promise<MonitorStep> => {
      const profiled = run.outputs.filter((o) => current.get(`${run.id}\u0000${o}`) !== undefined);
      const outputs = await Promise.all(
        profiled.map((o) => driftOfOutput(store, run, o, current.get(`${run.id}\u0000${o}`), drift)),
      );
      return {
        component: run.component,
        run: runRef(run),
        profiled: profiled.length > 0,
        drifted: outputs.some((o) => o.drifted),
        outputs,
      };
    }),
  );
  return {
    steps,
    drifted: steps.filter((s) => s.drifted).map((s) => s.component),
    sentences: steps.flatMap((s) => s.outputs.flatMap((o) => o.sentences)),
  };
}
