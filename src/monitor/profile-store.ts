import { sameBytes } from '../rows/chunk-cache.js';
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
  return datas.map((d, i) => (d === undefined ? undefined : profileFrom(store, keys[i] as string, d)));
}

// Decoded profiles per store, reused while the stored bytes are unchanged (checked on every
// read), so monitor() and drift() decode and sort a sketch once. Treat them as read-only.
const PROFILE_CACHE = 4096;
const decoded = new WeakMap<Store, Map<string, { data: Uint8Array; profile: Profile }>>();

function profileFrom(store: Store, key: string, data: Uint8Array): Profile {
  let cache = decoded.get(store);
  if (cache === undefined) {
    cache = new Map();
    decoded.set(store, cache);
  }
  const hit = cache.get(key);
  if (hit !== undefined && sameBytes(hit.data, data)) return hit.profile;
  const profile = decodeProfile(data, key);
  if (cache.size >= PROFILE_CACHE) cache.clear();
  cache.set(key, { data, profile });
  return profile;
}
