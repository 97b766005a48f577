import { invalid } from '../errors.js';
import { describe, isPlainObject } from '../validate.js';
import { mergeProfiles, type Profile, profileData } from './profile.js';

/** Rows profiled a batch at a time, so a recorder fed row by row keeps bounded memory. */
export class ProfileBuffer {
  private rows: Record<string, unknown>[] = [];
  private profile: Profile | undefined;

  constructor(
    private readonly field: string,
    private readonly batch = 8192,
  ) {}

  /** Checks the row is an object (its values are checked when its batch is profiled). */
  check(row: unknown): Record<string, unknown> {
    if (!isPlainObject(row)) throw invalid(`${this.field} row`, `must be an object, got ${describe(row)}`);
    return row;
  }

  add(row: Record<string, unknown>): void {
    this.rows.push(row);
    if (this.rows.length >= this.batch) this.flush();
  }

  private flush(): void {
    if (this.rows.length === 0) return;
    const fresh = profileData(this.field, this.rows);
    this.profile = this.profile === undefined ? fresh : mergeProfiles(this.field, this.profile, fresh);
    this.rows = [];
  }

  /** The profile of every row added (undefined when none was). */
  result(): Profile | undefined {
    this.flush();
    return this.profile;
  }
}
