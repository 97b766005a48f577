import { rowHash } from '../rows/format/keys.js';
import type { Store } from '../store.js';
import { decodeProfile, encodeProfile } from './codec.js';
import type { Profile } from './profile.js';

/**
 * Profiles live in the store's blobs, one per (run, output), so every adapter keeps them with
 * no change of its own. Pointers are hashed into keys (they may be long; keys are at most 1024).
 */
export const PROFILE_PREFIX = 'profile/r/';
export const BASELINE_PREFIX = 'profile/b/';

export const profileKey = (runId: string, output: string): string => `${PROFILE_PREFIX}${runId}/${rowHash(output)}`;
export const baselineKey = (pointer: string): string => `${BASELINE_PREFIX}${rowHash(pointer)}`;

/** Stores a run's profiles in one atomic write. */
export async function writeProfiles(
  store: Store,
  runId: string,
  profiles: ReadonlyMap<string, Profile>,
): Promise<void> {
  if (profiles.size === 0) return;
  await store.putBlobs(
    [...profiles].map(([output, profile]) => ({ key: profileKey(runId, output), data: encodeProfile(profile) })),
  );
}

/** Profiles by (run, output), in the order asked, in one read; undefined where there is none. */
export async function readProfiles(
  store: Store,
  refs: readonly { run: string; output: string }[],
): Promise<(Profile | undefined)[]> {
  if (refs.length === 0) return [];
  const keys = refs.map((r) => profileKey(r.run, r.output));
  const datas = await store.getBlobs(keys);
  return datas.map((d, i) => (d === undefined ? undefined : decodeProfile(d, keys[i] as string)));
}
