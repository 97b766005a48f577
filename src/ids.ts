// UUIDv7 (RFC 9562): 48 bits of milliseconds, then random bits. Ids made by one process are
// strictly increasing even within a millisecond: the 12-bit rand_a field counts up.
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let poolAt = POOL_SIZE;
let lastMs = -1;
let counter = 0;

function random(n: number): number {
  if (poolAt + n > POOL_SIZE) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += n;
  return at;
}

/** A new time-sortable run id for the given time (default now). */
export function uuidv7(ms: number = Date.now()): string {
  if (ms > lastMs) {
    lastMs = ms;
    counter = pool[random(1)]! & 0x3f; // start low so the counter rarely overflows
  } else {
    counter++;
    if (counter > 0xfff) {
      lastMs++;
      counter = 0;
    }
    ms = lastMs;
  }
  const at = random(8);
  const hi = Math.floor(ms / 0x100000000);
  const lo = ms >>> 0;
  return (
    HEX[(hi >>> 8) & 255]! +
    HEX[hi & 255]! +
    HEX[lo >>> 24]! +
    HEX[(lo >>> 16) & 255]! +
    '-' +
    HEX[(lo >>> 8) & 255]! +
    HEX[lo & 255]! +
    '-' +
    HEX[0x70 | (counter >>> 8)]! +
    HEX[counter & 255]! +
    '-' +
    HEX[0x80 | (pool[at]! & 0x3f)]! +
    HEX[pool[at + 1]!]! +
    '-' +
    HEX[pool[at + 2]!]! +
    HEX[pool[at + 3]!]! +
    HEX[pool[at + 4]!]! +
    HEX[pool[at + 5]!]! +
    HEX[pool[at + 6]!]! +
    HEX[pool[at + 7]!]!
  );
}
