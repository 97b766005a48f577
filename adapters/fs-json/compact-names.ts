/**
 * Segment names start with their creation time (base 36, 9 digits; files.ts newSegmentName).
 * A writer's commit times are never older than its segment, so a record older than its segment
 * is a copy compaction made (compact.ts names its segment after every time it copies).
 */

/** The creation time a segment name starts with, or NaN. */
export function segmentTime(name: string): number {
  return /^[0-9a-z]{9}-/.test(name) ? Number.parseInt(name.slice(0, 9), 36) : Number.NaN;
}

/** Whether a batch committed at `at` in segment `name` is a compaction's copy of an older write. */
export function isCompactedCopy(name: string, at: number): boolean {
  return at < segmentTime(name);
}

/** A segment name after every one of `names`, and after every commit time up to `maxAt`. */
export function nameAfter(names: readonly string[], maxAt: number, suffix: string): string {
  const last = [...names].sort().pop() ?? '';
  const lastTime = segmentTime(last);
  const t = Math.max(Date.now(), maxAt + 1, Number.isNaN(lastTime) ? 0 : lastTime + 1);
  const hex = Array.from({ length: 12 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `${t.toString(36).padStart(9, '0')}-${hex}${suffix}`;
}
