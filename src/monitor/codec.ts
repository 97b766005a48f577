import { PipetraceError } from '../errors.js';
import { decodeBlob, encodeBlob } from '../rows/format/codec.js';
import type { ColumnProfile, NumericColumn } from './column.js';
import { HyperLogLog } from './hyperloglog.js';
import { KllSketch } from './kll.js';
import type { Profile, ProfileOrigin } from './profile.js';
import { SpaceSaving } from './space-saving.js';

/**
 * The stored profile: the row-lineage blob layout (JSON header, u32 body) with, per column, its
 * counts and moments in the header and its sketches in the body: KLL items as f64, HyperLogLog
 * registers as bytes, or as (index, rank) words when few are set.
 */
export const PROFILE_FORMAT = 1;

type StoredColumn =
  | { name: string; type: 'empty'; missing: number }
  | (Omit<NumericColumn, 'sketch'> & {
      name: string;
      k: number;
      n: number;
      levels: number[];
      /** Body word where the items start. */
      at: number;
    })
  | {
      name: string;
      type: 'string' | 'boolean';
      count: number;
      missing: number;
      cap: number;
      top: [string, number, number][];
      p: number;
      /** Sparse registers: `set` words of (index << 8 | rank); dense: 2^p bytes. */
      set?: number;
      at: number;
    };

interface ProfileHeader {
  v: number;
  rows: number;
  columns: StoredColumn[];
  origin?: ProfileOrigin;
}

export function encodeProfile(profile: Profile): Uint8Array {
  const parts: Uint32Array[] = [];
  let words = 0;
  const columns: StoredColumn[] = [];
  for (const [name, c] of profile.columns) {
    if (c.type === 'empty') {
      columns.push({ name, type: 'empty', missing: c.missing });
    } else if (c.type === 'number') {
      const { sizes, items } = c.sketch.toParts();
      const { sketch: _sketch, ...stats } = c;
      columns.push({ name, ...stats, k: c.sketch.k, n: c.sketch.n, levels: sizes, at: words });
      parts.push(new Uint32Array(items.buffer, items.byteOffset, items.length * 2));
      words += items.length * 2;
    } else {
      const r = c.distinct.registers;
      let set = 0;
      for (let i = 0; i < r.length; i++) if (r[i] !== 0) set++;
      let body: Uint32Array;
      if (set * 4 < r.length) {
        body = new Uint32Array(set);
        let j = 0;
        for (let i = 0; i < r.length; i++) if (r[i] !== 0) body[j++] = (i << 8) | (r[i] as number);
      } else {
        body = new Uint32Array(Math.ceil(r.length / 4));
        new Uint8Array(body.buffer).set(r);
      }
      columns.push({
        name,
        type: c.type,
        count: c.count,
        missing: c.missing,
        cap: c.top.capacity,
        top: c.top.top().map((h) => [h.value, h.count, h.error]),
        p: c.distinct.p,
        ...(set * 4 < r.length ? { set } : {}),
        at: words,
      });
      parts.push(body);
      words += body.length;
    }
  }
  const body = new Uint32Array(words);
  let at = 0;
  for (const part of parts) {
    body.set(part, at);
    at += part.length;
  }
  const header: ProfileHeader = { v: PROFILE_FORMAT, rows: profile.rows, columns };
  if (profile.origin !== undefined) header.origin = profile.origin;
  return encodeBlob(header, body);
}

export function decodeProfile(data: Uint8Array, key: string): Profile {
  const { header, body } = decodeBlob<ProfileHeader>(data, key, 'profile');
  const bad = (why: string) => new PipetraceError('storage', `profile ${key} is corrupt: ${why}`, { details: { key } });
  if (header.v !== PROFILE_FORMAT) throw bad(`format ${String(header.v)} is not one this version reads`);
  if (!Array.isArray(header.columns)) throw bad('no columns');
  const columns = new Map<string, ColumnProfile>();
  for (const c of header.columns) {
    if (c.type === 'empty') columns.set(c.name, { type: 'empty', count: 0, missing: c.missing });
    else if (c.type === 'number') {
      const length = c.levels.reduce((s, x) => s + x, 0);
      if (c.at + 2 * length > body.length) throw bad(`column ${c.name} runs past the body`);
      // A copy: the body may be a view into an unaligned or shared buffer.
      const items = new Float64Array(body.slice(c.at, c.at + 2 * length).buffer);
      const { name: _name, k, n, levels, at: _at, ...stats } = c;
      columns.set(c.name, { ...stats, sketch: KllSketch.fromParts(k, n, levels, items) });
    } else if (c.type === 'string' || c.type === 'boolean') {
      const m = 1 << c.p;
      const registers = new Uint8Array(m);
      if (c.set !== undefined) {
        if (c.at + c.set > body.length) throw bad(`column ${c.name} runs past the body`);
        for (let i = 0; i < c.set; i++) {
          const w = body[c.at + i] as number;
          registers[(w >>> 8) % m] = w & 0xff;
        }
      } else {
        if (c.at + m / 4 > body.length) throw bad(`column ${c.name} runs past the body`);
        registers.set(new Uint8Array(body.slice(c.at, c.at + m / 4).buffer));
      }
      const count = c.count + c.missing;
      const top = SpaceSaving.from(
        c.cap,
        c.count,
        c.top.map(([value, n, error]) => ({ value, count: n, error })),
      );
      columns.set(c.name, {
        type: c.type,
        count: c.count,
        missing: count - c.count,
        top,
        distinct: new HyperLogLog(c.p, registers),
      });
    } else throw bad(`column type ${String((c as { type?: unknown }).type)}`);
  }
  return header.origin === undefined
    ? { rows: header.rows, columns }
    : { rows: header.rows, columns, origin: header.origin };
}
