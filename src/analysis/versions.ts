/**
 * Component versions for the run-level review: a component at one code version across its
 * runs, and, where a param took a few values that several runs shared (a setting, not a
 * per-run value such as a batch id), at one code version and one value of that param.
 */

/** The runs to group, read by number: the review reads them in place (Ancestry). */
export interface VersionedRuns {
  readonly size: number;
  component(i: number): string;
  /** The code version's commit, undefined when none. */
  commit(i: number): string | undefined;
  params(i: number): Readonly<Record<string, unknown>>;
}

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

/** The params of one component that behave as settings: 2 or more values, each shared on average by 2 or more runs. */
function settingKeys(runs: VersionedRuns, list: readonly number[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const i of list) for (const k in runs.params(i)) if (!values.has(k)) values.set(k, new Set());
  for (const [k, set] of values) for (const i of list) set.add(JSON.stringify(runs.params(i)[k] ?? null));
  return [...values].filter(([, set]) => set.size >= 2 && set.size * 2 <= list.length).map(([k]) => k);
}

/**
 * The numbers grouped by key, in order of first appearance. Runs of one component or version
 * mostly come one after another: a list is looked up only when the key changes.
 */
function listsBy(numbers: readonly number[], keyOf: (i: number) => string): Map<string, number[]> {
  const lists = new Map<string, number[]>();
  let lastKey: string | undefined;
  let current: number[] = [];
  for (const i of numbers) {
    const key = keyOf(i);
    if (key !== lastKey) {
      lastKey = key;
      const list = lists.get(key);
      if (list === undefined) lists.set(key, (current = []));
      else current = list;
    }
    current.push(i);
  }
  return lists;
}

/** Groups the runs into versions; each run belongs to its code version and to its param settings. */
export function versionGroups(runs: VersionedRuns): Versions {
  const n = runs.size;
  const all: number[] = [];
  for (let i = 0; i < n; i++) all.push(i);
  const byComponent = listsBy(all, (i) => runs.component(i));
  const groups: VersionGroup[] = [];
  const members: number[][] = [];
  for (const [name, list] of byComponent) {
    const byVersion = listsBy(list, (i) => runs.commit(i) ?? '(none)');
    const keys = settingKeys(runs, list);
    for (const [version, vruns] of byVersion) {
      groups.push({ id: `${name}@${version}`, name, version, runs: vruns.length });
      members.push(vruns);
      for (const k of keys) {
        const byValue = new Map<string, number[]>();
        for (const i of vruns) {
          const value = JSON.stringify(runs.params(i)[k] ?? null);
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
  const counts = new Int32Array(n + 1);
  for (const m of members) for (const i of m) counts[i + 1] = (counts[i + 1] as number) + 1;
  for (let i = 0; i < n; i++) counts[i + 1] = (counts[i + 1] as number) + (counts[i] as number);
  const offsets = counts.slice();
  const targets = new Int32Array(counts[n] as number);
  const at = counts.slice(0, n);
  members.forEach((m, g) => {
    for (const i of m) {
      targets[at[i] as number] = g;
      at[i] = (at[i] as number) + 1;
    }
  });
  return { groups, offsets, targets };
}
