import { hashKeyInto } from '../rows/format/keys.js';

/**
 * A HyperLogLog distinct-count estimate (Flajolet et al., 2007) over the 64-bit row-key hash:
 * 2^p one-byte registers, relative standard error 1.04 / sqrt(2^p) (2.3% at p = 11), with the
 * small-range correction (linear counting). Merging takes the larger register, so the merge of
 * two sketches is exactly the sketch of both inputs.
 */
export const HLL_P = 11;
/** The stated standard error at HLL_P. */
export const HLL_ERROR = 1.04 / Math.sqrt(2 ** HLL_P);

const H = new Uint32Array(2);

export class HyperLogLog {
  readonly p: number;
  readonly registers: Uint8Array;

  constructor(p = HLL_P, registers?: Uint8Array) {
    this.p = p;
    this.registers = registers ?? new Uint8Array(1 << p);
  }

  add(value: string): void {
    hashKeyInto(value, H, 0);
    const hi = H[0] as number;
    const index = hi >>> (32 - this.p);
    // The rank from the low word: 32 bits of hash are plenty at these register counts.
    const rank = Math.clz32(H[1] as number) + 1;
    if (rank > (this.registers[index] as number)) this.registers[index] = rank;
  }

  merge(other: HyperLogLog): void {
    const r = this.registers;
    const o = other.registers;
    for (let i = 0; i < r.length; i++) if ((o[i] as number) > (r[i] as number)) r[i] = o[i] as number;
  }

  estimate(): number {
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      const v = this.registers[i] as number;
      sum += 2 ** -v;
      if (v === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    if (raw <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
    return Math.round(raw);
  }
}
