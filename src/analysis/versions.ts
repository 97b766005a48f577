/**
 * Component versions for the run-level review: a component at one code version across its
 * runs, and, where a param took a few values that several runs shared (a setting, not a
 * per-run value such as a batch id), at one code version and one value of that param.
 */
import type { Run } from '../model.js';

export interface VersionGroup {
  /** `component@version`, or `component@version params.k=v` for a param setting. */
  id: string;
  name: string;
  version: string;
  params?: Record<string, string>;
  runs: number;
}

export interface Versions {
  groups: VersionGroup[];
  /** The groups of run i are targets[offsets[i]] .. targets[offsets[i + 1]] - 1. */
  offsets: Int32Array;
  targets: Int32Array;
}

const versionOf = (run: Run): string => run.code?.commit ?? '(none)';

/** The params of one component that behave as settings: 2 or more values, each shared on average by 2 or more runs. */
function settingKeys(runs: readonly Run[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const r of runs) for (const k of Object.keys(r.params)) if (!values.has(k)) values.set(k, new Set());
  for (const [k, set] of values) for (const r of runs) set.add(JSON.stringify(r.params[k] ?? null));
  return [...values].filter(([, set]) => set.size >= 2 && set.size * 2 <= runs.length).map(([k]) => k);
}

/** Groups the runs into versions; each run belongs to its code version and to its param settings. */
export function versionGroups(runs: readonly Run[]): Versions {
  const byComponent = new Map<string, number[]>();
  runs.forEach((r, i) => {
    const list = byComponent.get(r.component) ?? [];
    list.push(i);
    byComponent.set(r.component, list);
  });
  const groups: VersionGroup[] = [];
  const members: number[][] = [];
  for (const [name, list] of byComponent) {
    const byVersion = new Map<string, number[]>();
    for (const i of list) {
      const v = versionOf(runs[i] as Run);
      const l = byVersion.get(v) ?? [];
      l.push(i);
      byVersion.set(v, l);
    }
    const keys = settingKeys(list.map((i) => runs[i] as Run));
    for (const [version, vruns] of byVersion) {
      groups.push({ id: `${name}@${version}`, name, version, runs: vruns.length });
      members.push(vruns);
      for (const k of keys) {
        const byValue = new Map<string, number[]>();
        for (const i of vruns) {
          const value = JSON.stringify((runs[i] as Run).params[k] ?? null);
          const l = byValue.get(value) ?? [];
          l.push(i);
          byValue.set(value, l);
        }
        // A setting only where the value changed within the version: a minority value several runs share.
        for (const [value, truns] of byValue) {
          if (truns.length < 2 || truns.length * 2 > vruns.length) continue;
          groups.push({
            id: `${name}@${version} params.${k}=${value}`,
            name,
            version,
            params: { [k]: value },
            runs: truns.length,
          });
          members.push(truns);
        }
      }
    }
  }
  const counts = new Int32Array(runs.length + 1);
  for (const m of members) for (const i of m) counts[i + 1] = (counts[i + 1] as number) + 1;
  for (let i = 0; i < runs.length; i++) counts[i + 1] = (counts[i + 1] as number) + (counts[i] as number);
  const offsets = counts.slice();
  const targets = new Int32Array(counts[runs.length] as number);
  const at = counts.slice(0, runs.length);
  members.forEach((m, g) => {
    for (const i of m) {
      targets[at[i] as number] = g;
      at[i] = (at[i] as number) + 1;
    }
  });
  return { groups, offsets, targets };
}
