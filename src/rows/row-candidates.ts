import { byDirectness, type ReviewCandidate as RowReviewCandidate } from '../analysis/candidate.js';
import { groupByScore, rankInGroups } from '../analysis/ranking.js';
import { type ReviewMethod as RowReviewMetric, spectrumScore } from '../analysis/spectrum.js';
import { PipetraceError } from '../errors.js';
import { toHex } from './format/keys.js';
import { HashTable64 } from './hashset.js';
import type { LabelSet, Origins } from './propagate.js';

/** Labels and candidate ids are packed into one double when counting distinct labels. */
export const LABEL_LIMIT = 2 ** 26;

const FILTER_BITS = 20;
const FILTER_MASK = (1 << FILTER_BITS) - 1;

const isSet = (set: LabelSet, l: number): boolean => (((set[l >>> 5] as number) >>> (l & 31)) & 1) === 1;

/**
 * Scores origin rows: for each (pointer, hash) behind a flagged row, the flagged and unflagged
 * population rows derived from it (the unflagged from `totals` where given). Only rows behind a flagged row are scored, so the tables
 * hold those few; every origin entry is then probed against them once.
 */
export function rowCandidates(
  origins: Origins,
  flagged: LabelSet,
  F: number,
  P: number,
  metric: RowReviewMetric,
  limit: number,
  /** Population rows derived from a candidate, where the origins hold only flagged rows (review-chain.ts). */
  totals?: (pointer: number, hi: number, lo: number) => number,
): RowReviewCandidate[] {
  if (origins.count >= 2 ** 27)
    throw new PipetraceError('too_large', `row review reached ${origins.count} origin rows`);
  const { segments } = origins;
  // Candidates: the distinct (pointer, hash) of origin entries that lead to a flagged row.
  const tables: (HashTable64 | undefined)[] = origins.pointers.map(() => undefined);
  const perPointer = new Int32Array(origins.pointers.length);
  for (const s of segments)
    for (let e = 0; e < s.count; e++) if (isSet(flagged, s.labels[e] as number)) (perPointer[s.pointer] as number)++;
  for (let p = 0; p < tables.length; p++)
    if ((perPointer[p] as number) > 0) tables[p] = new HashTable64(perPointer[p] as number);
  const candPointer: number[] = [];
  const candHash: number[] = [];
  // A filter on the hashes' low bits keeps most probes of the second pass out of the tables.
  const filter = new Uint32Array(1 << (FILTER_BITS - 5));
  for (const s of segments) {
    for (let e = 0; e < s.count; e++) {
      if (!isSet(flagged, s.labels[e] as number)) continue;
      const hi = s.hashes[2 * e] as number;
      const lo = s.hashes[2 * e + 1] as number;
      const table = tables[s.pointer] as HashTable64;
      if (table.add(hi, lo, candPointer.length) === candPointer.length) {
        candPointer.push(s.pointer);
        candHash.push(hi, lo);
        const f = lo & FILTER_MASK;
        filter[f >>> 5] = (filter[f >>> 5] as number) | (1 << (f & 31));
      }
    }
  }
  // (candidate, label) pairs of every entry of a candidate, sorted, to count distinct labels.
  const pairs: number[] = [];
  for (const s of segments) {
    const table = tables[s.pointer];
    if (table === undefined) continue;
    const { hashes, labels } = s;
    for (let e = 0; e < s.count; e++) {
      const lo = hashes[2 * e + 1] as number;
      const f = lo & FILTER_MASK;
      if ((((filter[f >>> 5] as number) >>> (f & 31)) & 1) === 0) continue;
      const c = table.get(hashes[2 * e] as number, lo);
      if (c >= 0) pairs.push(c * LABEL_LIMIT + (labels[e] as number));
    }
  }
  const sorted = Float64Array.from(pairs).sort();
  const out: RowReviewCandidate[] = [];
  let i = 0;
  while (i < sorted.length) {
    const c = Math.floor((sorted[i] as number) / LABEL_LIMIT);
    let ef = 0;
    let ep = 0;
    let prev = -1;
    for (; i < sorted.length && Math.floor((sorted[i] as number) / LABEL_LIMIT) === c; i++) {
      const l = (sorted[i] as number) - c * LABEL_LIMIT;
      if (l === prev) continue;
      prev = l;
      if (isSet(flagged, l)) ef++;
      else ep++;
    }
    if (totals !== undefined)
      ep = totals(candPointer[c] as number, candHash[2 * c] as number, candHash[2 * c + 1] as number) - ef;
    const name = origins.pointers[candPointer[c] as number] as string;
    const hash = toHex(candHash[2 * c] as number, candHash[2 * c + 1] as number);
    out.push({
      kind: 'row',
      id: `${name}#${hash}`,
      row: { pointer: name, hash },
      reach: 'rows',
      hops: 0,
      evidence: { ef, ep, F, P, score: spectrumScore(metric, ef, ep, F, P) },
      group: 0,
      rank: 0,
      differences: [],
    });
  }
  return rankInGroups(
    groupByScore(out).filter((c) => c.group <= limit),
    byDirectness,
  );
}
