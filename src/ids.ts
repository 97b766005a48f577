// UUIDv7 (RFC 9562): 48 bits of milliseconds, then random bits. Ids made by one process are
// strictly increasing even within a millisecond: the 12-bit rand_a field counts up.
const DIGITS: number[] = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const codes: number[] = new Array(36).fill(48);
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
  let i = 0;
  const byte = (b: number) => {
    codes[i++] = DIGITS[b >>> 4]!;
    codes[i++] = DIGITS[b & 15]!;
  };
  const dash = () => {
    codes[i++] = 45;
  };
  byte((hi >>> 8) & 255);
  byte(hi & 255);
  byte(lo >>> 24);
  byte((lo >>> 16) & 255);
  dash();
  byte((lo >>> 8) & 255);
  byte(lo & 255);
  dash();
  byte(0x70 | (counter >>> 8));
  byte(counter & 255);
  dash();
  byte(0x80 | (pool[at]! & 0x3f));
  byte(pool[at + 1]!);
  dash();
  for (let k = 2; k < 8; k++) byte(pool[at + k]!);
  // One flat string (not a tree of concatenations): ids are hashed as map keys at once.
  return String.fromCharCode.apply(null, codes);
}
