import { invalid } from '../../errors.js';

/**
 * A row key: a string, a number, a bigint, or a composite array of them. Keys are typed:
 * `1` and `"1"` are different keys, and `["a","b"]` differs from `"a,b"`. An integer-valued
 * number and a bigint of the same value are the same key (`42` and `42n`), so an int64 column
 * read as bigint in one step and as number in another still lines up; `-0` is `0`.
 */
export type RowKey = string | number | bigint | readonly RowKey[];

/** A row as results show it: its hash, and its key where the pair kept keys. */
export interface RowRef {
  hash: string;
  key?: RowKey;
}

/** The longest string key accepted, in UTF-16 code units. */
export const MAX_KEY_STRING = 65_536;
/** Composite keys nest at most this deep and hold at most this many parts per level. */
export const MAX_KEY_DEPTH = 8;
export const MAX_KEY_PARTS = 256;

/*
 * Hash: 64 bits from two 32-bit lanes over the key's canonical words (a type tag and length
 * word, then UTF-16 code units two to a word; integers as two's-complement int64 words;
 * other numbers as their IEEE-754 bits). Lane A runs a MurmurHash3 round, lane B an xxHash32
 * round, and a MurmurHash3_x86_128-style finaliser cross-mixes them. Collision odds for n
 * distinct keys are about n^2 / 2^65: 2.7e-6 for 10M keys, 0.027 for 1B; hash_collisions_10m
 * checks 10M keys in the bench. Not a cryptographic hash: hostile keys can be made to collide.
 */
// Seeds of the two lanes: ASCII 'pipe' and 'trac'. Changing them (or a round) changes every
// stored hash: that is a new HASH_VERSION, which manifests record.
const HASH_SEED_HI = 0x70697065;
const HASH_SEED_LO = 0x74726163;

/** The version of the row hash (seeds, rounds, canonical words); each manifest records the one it used. */
export const HASH_VERSION = 1;

const TAG_STRING = 1;
const TAG_INT = 2;
const TAG_FLOAT = 3;
const TAG_BIGINT = 4;
const TAG_ARRAY = 5;

const F64 = new Float64Array(1);
const F64_WORDS = new Uint32Array(F64.buffer);
const TWO_32 = 4294967296;
const INT64_MIN = -(2 ** 63);
const INT64_LIMIT = 2 ** 63;

// Lane state. Lane A runs a MurmurHash3 round per 32-bit word, lane B an xxHash32 round; the
// finaliser cross-mixes them (as MurmurHash3_x86_128 does) into one 64-bit value. In a typed
// array, not module `let`s: a 32-bit value outside the small-integer range stored in a module
// variable is boxed, an allocation per store, which made hashing twice as slow.
const LANES = new Int32Array(2);

function word(w: number): void {
  let a = LANES[0] as number;
  let b = LANES[1] as number;
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  a ^= Math.imul(k, 0x1b873593);
  a = (a << 13) | (a >>> 19);
  a = (Math.imul(a, 5) + 0xe6546b64) | 0;
  b = (b + Math.imul(w, 0x85ebca77)) | 0;
  b = (b << 13) | (b >>> 19);
  b = Math.imul(b, 0x9e3779b1);
  LANES[0] = a;
  LANES[1] = b;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * Feeds a string (its tag and length word, then its code units two to a word) to lanes at
 * (la, lb) and leaves them in LANES: word()'s round written out, so the lanes stay in
 * registers from the seeds on, whatever the caller's inlining budget (a LANES store and load
 * per word, or a round left as a call, cost add() about a tenth).
 */
function feedString(s: string, tag: number, la: number, lb: number): void {
  const n = s.length;
  if (n > MAX_KEY_STRING) throw invalid('key', `is a string of ${n} characters; the limit is ${MAX_KEY_STRING}`);
  let w = ((n << 3) | tag) >>> 0;
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  la ^= Math.imul(k, 0x1b873593);
  la = (la << 13) | (la >>> 19);
  la = (Math.imul(la, 5) + 0xe6546b64) | 0;
  lb = (lb + Math.imul(w, 0x85ebca77)) | 0;
  lb = (lb << 13) | (lb >>> 19);
  lb = Math.imul(lb, 0x9e3779b1);
  for (let i = 0; i < n; i += 2) {
    // Two code units a word; an odd string's last word marks its missing half.
    w = i + 1 < n ? s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16) : s.charCodeAt(i) | 0x10000;
    k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    la ^= Math.imul(k, 0x1b873593);
    la = (la << 13) | (la >>> 19);
    la = (Math.imul(la, 5) + 0xe6546b64) | 0;
    lb = (lb + Math.imul(w, 0x85ebca77)) | 0;
    lb = (lb << 13) | (lb >>> 19);
    lb = Math.imul(lb, 0x9e3779b1);
  }
  LANES[0] = la;
  LANES[1] = lb;
}

function feedInt(hi: number, lo: number): void {
  word(TAG_INT);
  word(lo);
  word(hi);
}

function feed(key: unknown, depth: number): void {
  if (typeof key === 'string') {
    feedString(key, TAG_STRING, LANES[0] as number, LANES[1] as number);
  } else if (typeof key === 'number') {
    if (Number.isInteger(key) && key >= INT64_MIN && key < INT64_LIMIT) {
      const hi = Math.floor(key / TWO_32);
      feedInt(hi | 0, (key - hi * TWO_32) >>> 0);
    } else {
      if (Number.isNaN(key)) throw invalid('key', 'must not be NaN');
      F64[0] = key;
      word(TAG_FLOAT);
      word(F64_WORDS[0] as number);
      word(F64_WORDS[1] as number);
    }
  } else if (typeof key === 'bigint') {
    if (BigInt.asIntN(64, key) === key) feedInt(Number(key >> 32n) | 0, Number(key & 0xffffffffn));
    else feedString(key.toString(16), TAG_BIGINT, LANES[0] as number, LANES[1] as number);
  } else if (Array.isArray(key)) {
    if (depth >= MAX_KEY_DEPTH) throw invalid('key', `nests deeper than ${MAX_KEY_DEPTH} levels`);
    if (key.length > MAX_KEY_PARTS) throw invalid('key', `has ${key.length} parts; the limit is ${MAX_KEY_PARTS}`);
    word(((key.length << 3) | TAG_ARRAY) >>> 0);
    for (let i = 0; i < key.length; i++) feed(key[i], depth + 1);
  } else {
    throw invalid('key', `must be a string, number, bigint or an array of them, got ${typeof key}`);
  }
}

/**
 * Hashes one key to 64 bits and writes the high and low halves at `target[at]` and
 * `target[at + 1]`. Plain 32-bit integer arithmetic: no TextEncoder, no WebCrypto, no BigInt
 * on the common paths.
 */
export function hashKeyInto(key: RowKey, target: Uint32Array, at: number): void {
  if (typeof key === 'string') feedString(key, TAG_STRING, HASH_SEED_HI, HASH_SEED_LO);
  else {
    LANES[0] = HASH_SEED_HI;
    LANES[1] = HASH_SEED_LO;
    feed(key, 0);
  }
  finish(LANES[0] as number, LANES[1] as number, target, at);
}

// The finaliser: cross-mixes lanes (h1, h2) into the 64-bit hash at target[at], target[at + 1].
function finish(h1: number, h2: number, target: Uint32Array, at: number): void {
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  target[at] = h1;
  target[at + 1] = h2;
}

/**
 * A string's hash fed one word() call per word, as the inlined loop in feedString() must match
 * (for tests: the loop is the fast copy of this reference).
 */
export function referenceStringHash(s: string): Uint32Array {
  LANES[0] = HASH_SEED_HI;
  LANES[1] = HASH_SEED_LO;
  word(((s.length << 3) | TAG_STRING) >>> 0);
  for (let i = 0; i + 1 < s.length; i += 2) word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (s.length % 2 === 1) word(s.charCodeAt(s.length - 1) | 0x10000);
  const out = new Uint32Array(2);
  finish(LANES[0] as number, LANES[1] as number, out, 0);
  return out;
}

/**
 * Hashes many keys into one Uint32Array of interleaved (high, low) pairs, 8 bytes a key, with
 * no object per row. `keys` may be any array-like: an array of strings, a Float64Array, ...
 */
export function hashKeys(
  keys: ArrayLike<RowKey>,
  target: Uint32Array = new Uint32Array(keys.length * 2),
  offset = 0,
): Uint32Array {
  const n = keys.length;
  for (let i = 0; i < n; i++) {
    try {
      hashKeyInto(keys[i] as RowKey, target, offset + 2 * i);
    } catch (error) {
      throw reindex(error, i);
    }
  }
  return target;
}

function reindex(error: unknown, i: number): unknown {
  if (error instanceof Error && 'field' in error && error.field === 'key') {
    return invalid(`keys[${i}]`, error.message.replace(/^key: /, ''));
  }
  return error;
}

const ONE = new Uint32Array(2);
/** The 64-bit hash of a key as 16 lower-case hex digits (how hashes appear in results). */
export function rowHash(key: RowKey): string {
  hashKeyInto(key, ONE, 0);
  return toHex(ONE[0] as number, ONE[1] as number);
}

// Two hex digits per byte value: a trace names every row it lists by its hash.
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(hi: number, lo: number): string {
  return (
    (HEX[hi >>> 24] as string) +
    (HEX[(hi >>> 16) & 255] as string) +
    (HEX[(hi >>> 8) & 255] as string) +
    (HEX[hi & 255] as string) +
    (HEX[lo >>> 24] as string) +
    (HEX[(lo >>> 16) & 255] as string) +
    (HEX[(lo >>> 8) & 255] as string) +
    (HEX[lo & 255] as string)
  );
}

/** Parses 16 hex digits into `target[at]`, `target[at + 1]`; throws invalid_input otherwise. */
export function fromHex(hex: string, target: Uint32Array, at: number): void {
  if (typeof hex !== 'string' || !/^[0-9a-f]{16}$/.test(hex)) throw invalid('hash', 'must be 16 lower-case hex digits');
  target[at] = Number.parseInt(hex.slice(0, 8), 16);
  target[at + 1] = Number.parseInt(hex.slice(8), 16);
}

/** Checks a key the way hashing does, without keeping the hash. */
export function checkRowKey(field: string, key: unknown): RowKey {
  try {
    hashKeyInto(key as RowKey, ONE, 0);
  } catch (error) {
    if (error instanceof Error && 'field' in error && error.field === 'key') {
      throw invalid(field, error.message.replace(/^key: /, ''));
    }
    throw error;
  }
  return key as RowKey;
}

/** A key as JSON-safe text for display storage: bigints become {"n":"..."} objects. */
export function keyToJson(key: RowKey): unknown {
  if (typeof key === 'bigint') return { n: key.toString() };
  if (Array.isArray(key)) return key.map(keyToJson);
  if (typeof key === 'number' && Object.is(key, -0)) return 0;
  return key;
}

export function keyFromJson(value: unknown): RowKey {
  if (Array.isArray(value)) return value.map(keyFromJson);
  if (typeof value === 'object' && value !== null && typeof (value as { n?: unknown }).n === 'string') {
    return BigInt((value as { n: string }).n);
  }
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw invalid('key', 'stored key text is not a key');
}
