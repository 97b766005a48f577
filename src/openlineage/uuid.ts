const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for the 8-4-4-4-12 hex form OpenLineage requires of run ids. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

// cyrb128: four 32-bit lanes of a fast non-cryptographic string hash. Enough to give each
// non-UUID run id its own stable UUID; the id itself travels in the pipetrace_run facet.
function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/** The OpenLineage runId for a pipetrace run id: the id itself when it is a UUID, else a stable UUIDv8 derived from it. */
export function runIdToUuid(id: string): string {
  if (isUuid(id)) return id.toLowerCase();
  const [a, b, c, d] = hash128(id);
  const h = hex8(a) + hex8(b) + hex8(c) + hex8(d);
  // Version 8 (custom) and the RFC 9562 variant bits.
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A 64-bit digest of byte arrays (two 32-bit multiply-xorshift lanes), as 16 hex digits. */
export function digest64(parts: readonly Uint8Array[]): string {
  let h1 = 0x9e3779b9;
  let h2 = 0x85ebca6b;
  for (const bytes of parts) {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      h1 = Math.imul(h1 ^ b, 2654435761);
      h2 = Math.imul(h2 ^ b, 1597334677);
    }
    // Mark the boundary so [ab][c] and [a][bc] differ.
    h1 = Math.imul(h1 ^ (bytes.length >>> 0), 2246822507) ^ (h2 >>> 15);
    h2 = Math.imul(h2 ^ (h1 >>> 13), 3266489909);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}
