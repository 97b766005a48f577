import { compareVersions, type Version } from './format.js';
import type { Versioned } from './snapshot.js';

/**
 * The current version of each record with a name (components, pointer records), as the
 * segments say: a record counts if it is newer than the one held. Hands out copies.
 */
export class NamedRecords<T extends { name: string }> {
  private readonly records = new Map<string, Versioned<T>>();

  constructor(private readonly copy: (record: T) => T) {}

  load(versions: readonly Versioned<T>[]): void {
    for (const r of versions) this.records.set(r.value.name, r);
  }

  /** Takes the record if it is newer than the one held; says whether it did. */
  apply(record: T, v: Version): boolean {
    const old = this.records.get(record.name);
    if (old !== undefined && compareVersions(v, old.v) <= 0) return false;
    this.records.set(record.name, { v, value: record });
    return true;
  }

  get(names: readonly string[]): (T | undefined)[] {
    return names.map((n) => {
      const r = this.records.get(n);
      return r === undefined ? undefined : this.copy(r.value);
    });
  }

  /** Copies of the records `keep` accepts, ordered by name. */
  all(keep: (record: T) => boolean = () => true): T[] {
    const out: T[] = [];
    for (const r of this.records.values()) if (keep(r.value)) out.push(this.copy(r.value));
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every version, for the index file. */
  versions(): Versioned<T>[] {
    return [...this.records.values()];
  }
}
