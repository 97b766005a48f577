/**
 * A new column block from an old one and the runs taken in since (run-columns.ts): the same
 * bytes encodeColumns would give for the old block's rows minus those replaced, plus the new
 * runs, but built from the typed columns, with no object per old row. Rewriting the index of a
 * million runs after a few thousand writes then costs passes over typed arrays, not a million
 * references built, sorted and encoded again.
 */
import { firstIndex } from '../../src/sorted-lists.js';
import { compareWriteKeys } from '../../src/store.js';
import { type Cols, jsOrder, packColumns, utf8 } from './run-columns.js';
import type { RunRef } from './run-ref.js';

/** The old block's columns and what its descriptor names. */
export interface OldBlock {
  cols: Cols;
  components: readonly string[];
  pointers: number;
}

/** Prefix sums of counts: start offsets, one more than counts. */
function starts(counts: Uint32Array): Uint32Array {
  const out = new Uint32Array(counts.length + 1);
  for (let i = 0; i < counts.length; i++) out[i + 1] = (out[i] as number) + (counts[i] as number);
  return out;
}

/**
 * Strings in a merged order, packed: old strings (by number, those `keep` says) copied as bytes,
 * new ones (each with the old number it goes before) encoded. Returns the packed strings and
 * the new number of each old and each new string.
 */
function mergeStrings(
  oldBytes: Uint8Array,
  oldStart: Uint32Array,
  keep: Uint8Array,
  added: { text: string; before: number }[],
): { bytes: Uint8Array; start: Uint32Array; oldTo: Uint32Array; addedTo: number[] } {
  const oldCount = oldStart.length - 1;
  added.sort((a, b) => a.before - b.before || jsOrder(a.text, b.text));
  const encoded = added.map((a) => Buffer.from(a.text, 'utf8'));
  let count = added.length;
  let total = encoded.reduce((t, b) => t + b.length, 0);
  for (let k = 0; k < oldCount; k++) {
    if (keep[k] === 0) continue;
    count += 1;
    total += (oldStart[k + 1] as number) - (oldStart[k] as number);
  }
  const bytes = new Uint8Array(total);
  const start = new Uint32Array(count + 1);
  const oldTo = new Uint32Array(oldCount);
  const addedTo = new Array<number>(added.length);
  let q = 0;
  let at = 0;
  let a = 0;
  const putAdded = (limit: number) => {
    while (a < added.length && (added[a] as { before: number }).before <= limit) {
      const b = encoded[a] as Buffer;
      start[q] = at;
      bytes.set(b, at);
      at += b.length;
      addedTo[a++] = q++;
    }
  };
  for (let k = 0; k < oldCount; k++) {
    putAdded(k);
    if (keep[k] === 0) continue;
    const from = oldStart[k] as number;
    const to = oldStart[k + 1] as number;
    start[q] = at;
    bytes.set(oldBytes.subarray(from, to), at);
    at += to - from;
    oldTo[k] = q++;
  }
  putAdded(oldCount);
  start[q] = at;
  return { bytes, start, oldTo, addedTo };
}

/**
 * The block for the old block's rows but `hidden`, and `extra` (sorted in (startedAt, id) order;
 * none shares an id with a row kept). Byte for byte what encodeColumns gives for the same runs.
 */
export function mergeColumns(
  old: OldBlock,
  hidden: ReadonlySet<number>,
  extra: readonly RunRef[],
  segIndex: (seg: number) => number,
): Uint8Array {
  const c = old.cols;
  const oldN = c.startedAt.length;
  const oldId = (row: number) => utf8(c.idBytes.subarray(c.idStart[row], c.idStart[row + 1]));
  const oldPointer = (k: number) => utf8(c.ptrBytes.subarray(c.ptrStart[k], c.ptrStart[k + 1]));
  const kept = new Uint8Array(oldN).fill(1);
  for (const row of hidden) kept[row] = 0;

  // Rows in run order: old rows keep theirs, new runs go in between (-1 - j for extra[j]).
  const n = oldN - hidden.size + extra.length;
  const src = new Int32Array(n);
  const rowOfOld = new Int32Array(oldN).fill(-1);
  const rowOfExtra = new Uint32Array(extra.length);
  for (let i = 0, j = 0, w = 0; w < n; ) {
    if (i < oldN && kept[i] === 0) {
      i++;
      continue;
    }
    const e = extra[j];
    let fromOld = e === undefined;
    if (!fromOld && i < oldN) {
      const t = c.startedAt[i] as number;
      fromOld = t !== e?.startedAt ? t < (e as RunRef).startedAt : oldId(i) < (e as RunRef).id;
    }
    if (fromOld) {
      rowOfOld[i] = w;
      src[w++] = i++;
    } else {
      rowOfExtra[j] = w;
      src[w++] = -1 - j++;
    }
  }

  // Components and pointers some row still names, old ones mapped to their new numbers.
  const usedComponent = new Uint8Array(old.components.length);
  const usedPointer = new Uint8Array(old.pointers);
  for (let row = 0; row < oldN; row++) {
    if (kept[row] === 0) continue;
    usedComponent[c.component[row] as number] = 1;
    for (let x = c.inStart[row] as number; x < (c.inStart[row + 1] as number); x++)
      usedPointer[c.inPtr[x] as number] = 1;
    for (let x = c.outStart[row] as number; x < (c.outStart[row + 1] as number); x++) {
      usedPointer[c.outPtr[x] as number] = 1;
    }
  }
  const componentSet = new Set(old.components.filter((_, k) => usedComponent[k] === 1));
  for (const r of extra) componentSet.add(r.component);
  const components = [...componentSet].sort(jsOrder);
  const componentOf = new Map(components.map((name, k) => [name, k]));

  const addedPointers = new Map<string, number>();
  const added: { text: string; before: number }[] = [];
  const pointerAt = new Map<string, number>();
  for (const r of extra) {
    for (const p of [...r.inputs, ...r.outputs]) {
      if (pointerAt.has(p) || addedPointers.has(p)) continue;
      const k = firstIndex(old.pointers, (i) => oldPointer(i) < p);
      if (k < old.pointers && oldPointer(k) === p) {
        usedPointer[k] = 1;
        pointerAt.set(p, k);
      } else {
        addedPointers.set(p, added.length);
        added.push({ text: p, before: k });
      }
    }
  }
  const ptrs = mergeStrings(c.ptrBytes, c.ptrStart, usedPointer, added);
  const pointerCount = ptrs.start.length - 1;
  const addedTo = new Map(added.map((a, i) => [a.text, ptrs.addedTo[i] as number]));
  const pointerOf = (p: string) => {
    const k = pointerAt.get(p);
    return k === undefined ? (addedTo.get(p) as number) : (ptrs.oldTo[k] as number);
  };

  // Per-row columns and each row's pointer lists.
  const f64 = () => new Float64Array(n);
  const u32 = () => new Uint32Array(n);
  const cols = {
    startedAt: f64(),
    endedAt: f64(),
    at: f64(),
    off: f64(),
    component: u32(),
    seg: u32(),
    len: u32(),
    line: u32(),
  };
  const inCount = new Uint32Array(n);
  const outCount = new Uint32Array(n);
  const idLength = new Uint32Array(n);
  const extraIds = extra.map((r) => Buffer.from(r.id, 'utf8'));
  const oldComponentTo = old.components.map((name) => componentOf.get(name) ?? 0);
  for (let row = 0; row < n; row++) {
    const from = src[row] as number;
    if (from >= 0) {
      cols.startedAt[row] = c.startedAt[from] as number;
      cols.endedAt[row] = c.endedAt[from] as number;
      cols.at[row] = c.at[from] as number;
      cols.off[row] = c.off[from] as number;
      cols.component[row] = oldComponentTo[c.component[from] as number] as number;
      cols.seg[row] = c.seg[from] as number;
      cols.len[row] = c.len[from] as number;
      cols.line[row] = c.line[from] as number;
      inCount[row] = (c.inStart[from + 1] as number) - (c.inStart[from] as number);
      outCount[row] = (c.outStart[from + 1] as number) - (c.outStart[from] as number);
      idLength[row] = (c.idStart[from + 1] as number) - (c.idStart[from] as number);
    } else {
      const r = extra[-1 - from] as RunRef;
      cols.startedAt[row] = r.startedAt;
      cols.endedAt[row] = r.endedAt;
      cols.at[row] = r.at;
      cols.off[row] = r.off;
      cols.component[row] = componentOf.get(r.component) as number;
      cols.seg[row] = segIndex(r.seg);
      cols.len[row] = r.len;
      cols.line[row] = r.line;
      inCount[row] = r.inputs.length;
      outCount[row] = r.outputs.length;
      idLength[row] = (extraIds[-1 - from] as Buffer).length;
    }
  }
  const inStart = starts(inCount);
  const outStart = starts(outCount);
  const idStart = starts(idLength);
  const inPtr = new Uint32Array(inStart[n] as number);
  const outPtr = new Uint32Array(outStart[n] as number);
  const idBytes = new Uint8Array(idStart[n] as number);
  const oldIdBytes = Buffer.from(c.idBytes.buffer, c.idBytes.byteOffset, c.idBytes.byteLength);
  for (let row = 0; row < n; row++) {
    const from = src[row] as number;
    if (from >= 0) {
      let w = inStart[row] as number;
      for (let x = c.inStart[from] as number; x < (c.inStart[from + 1] as number); x++) {
        inPtr[w++] = ptrs.oldTo[c.inPtr[x] as number] as number;
      }
      w = outStart[row] as number;
      for (let x = c.outStart[from] as number; x < (c.outStart[from + 1] as number); x++) {
        outPtr[w++] = ptrs.oldTo[c.outPtr[x] as number] as number;
      }
      oldIdBytes.copy(idBytes, idStart[row] as number, c.idStart[from] as number, c.idStart[from + 1] as number);
    } else {
      const r = extra[-1 - from] as RunRef;
      r.inputs.forEach((p, x) => {
        inPtr[(inStart[row] as number) + x] = pointerOf(p);
      });
      r.outputs.forEach((p, x) => {
        outPtr[(outStart[row] as number) + x] = pointerOf(p);
      });
      idBytes.set(extraIds[-1 - from] as Buffer, idStart[row] as number);
    }
  }

  // Ids in string order: the old order without hidden rows, new ids placed by binary search.
  const keptOrder = new Uint32Array(oldN - hidden.size);
  for (let k = 0, w = 0; k < oldN; k++) {
    const row = c.idOrder[k] as number;
    if (kept[row] === 1) keptOrder[w++] = row;
  }
  const byId = extra.map((_, j) => j).sort((a, b) => jsOrder((extra[a] as RunRef).id, (extra[b] as RunRef).id));
  // Where each new id goes among the kept ones: a binary search each, so few old ids are decoded.
  const before = byId.map((j) =>
    firstIndex(keptOrder.length, (k) => oldId(keptOrder[k] as number) < (extra[j] as RunRef).id),
  );
  const idOrder = new Uint32Array(n);
  for (let k = 0, b = 0, w = 0; w < n; ) {
    if (b < byId.length && (before[b] as number) <= k) idOrder[w++] = rowOfExtra[byId[b++] as number] as number;
    else idOrder[w++] = rowOfOld[keptOrder[k++] as number] as number;
  }

  // Readers per pointer and rows per component, in row order: counted, then placed.
  const rCount = new Uint32Array(pointerCount);
  const cCount = new Uint32Array(components.length);
  /** Whether input x of its row repeats an earlier input of the same row (a row reads a pointer once). */
  const repeated = (from: number, x: number) => {
    for (let y = from; y < x; y++) if (inPtr[y] === inPtr[x]) return true;
    return false;
  };
  for (let row = 0; row < n; row++) {
    const from = inStart[row] as number;
    for (let x = from; x < (inStart[row + 1] as number); x++) {
      const q = inPtr[x] as number;
      if (!repeated(from, x)) rCount[q] = (rCount[q] as number) + 1;
    }
    const k = cols.component[row] as number;
    cCount[k] = (cCount[k] as number) + 1;
  }
  const rStart = starts(rCount);
  const cStart = starts(cCount);
  const rRow = new Uint32Array(rStart[pointerCount] as number);
  const cRow = new Uint32Array(cStart[components.length] as number);
  const rAt = rStart.slice(0, pointerCount);
  const cAt = cStart.slice(0, components.length);
  for (let row = 0; row < n; row++) {
    const from = inStart[row] as number;
    for (let x = from; x < (inStart[row + 1] as number); x++) {
      const q = inPtr[x] as number;
      if (repeated(from, x)) continue;
      const at = rAt[q] as number;
      rRow[at] = row;
      rAt[q] = at + 1;
    }
    const k = cols.component[row] as number;
    const at = cAt[k] as number;
    cRow[at] = row;
    cAt[k] = at + 1;
  }

  // Writers per pointer in WriteKey order: an old list keeps its order; new writers are sorted in.
  const newWriters = new Map<number, number[]>();
  for (const [j, r] of extra.entries()) {
    for (const p of new Set(r.outputs)) {
      const q = pointerOf(p);
      const list = newWriters.get(q);
      if (list === undefined) newWriters.set(q, [rowOfExtra[j] as number]);
      else list.push(rowOfExtra[j] as number);
    }
  }
  const oldOf = new Int32Array(pointerCount).fill(-1);
  for (let k = 0; k < old.pointers; k++) if (usedPointer[k] === 1) oldOf[ptrs.oldTo[k] as number] = k;
  /** The kept writers of an old pointer (none for -1), in its WriteKey order, as new rows. */
  const keptWriters = (k: number): number[] => {
    const rows: number[] = [];
    for (let x = k < 0 ? 0 : (c.wStart[k] as number); x < (k < 0 ? 0 : (c.wStart[k + 1] as number)); x++) {
      const row = rowOfOld[c.wRow[x] as number] as number;
      if (row >= 0) rows.push(row);
    }
    return rows;
  };
  const wCount = new Uint32Array(pointerCount);
  for (let q = 0; q < pointerCount; q++) {
    let count = newWriters.get(q)?.length ?? 0;
    const k = oldOf[q] as number;
    for (let x = k < 0 ? 0 : (c.wStart[k] as number); x < (k < 0 ? 0 : (c.wStart[k + 1] as number)); x++) {
      if ((rowOfOld[c.wRow[x] as number] as number) >= 0) count++;
    }
    wCount[q] = count;
  }
  const wStart = starts(wCount);
  const wRow = new Uint32Array(wStart[pointerCount] as number);
  const idAt = (row: number) => utf8(idBytes.subarray(idStart[row], idStart[row + 1]));
  const key = (row: number) => ({
    endedAt: cols.endedAt[row] as number,
    startedAt: cols.startedAt[row] as number,
    id: idAt(row),
  });
  for (let q = 0; q < pointerCount; q++) {
    let w = wStart[q] as number;
    const fresh = newWriters.get(q);
    const k = oldOf[q] as number;
    if (fresh === undefined) {
      for (let x = k < 0 ? 0 : (c.wStart[k] as number); x < (k < 0 ? 0 : (c.wStart[k + 1] as number)); x++) {
        const row = rowOfOld[c.wRow[x] as number] as number;
        if (row >= 0) wRow[w++] = row;
      }
      continue;
    }
    const rows = keptWriters(k);
    // Each new writer goes where a binary search over the kept (sorted) list puts it.
    const placed = fresh
      .map((row) => ({ row, key: key(row) }))
      .sort((a, b) => compareWriteKeys(a.key, b.key))
      .map((f) => ({
        row: f.row,
        at: firstIndex(rows.length, (i) => compareWriteKeys(key(rows[i] as number), f.key) < 0),
      }));
    let x = 0;
    for (const [i, row] of rows.entries()) {
      while (x < placed.length && (placed[x] as { at: number }).at <= i)
        wRow[w++] = (placed[x++] as { row: number }).row;
      wRow[w++] = row;
    }
    while (x < placed.length) wRow[w++] = (placed[x++] as { row: number }).row;
  }

  return packColumns(
    {
      ...cols,
      idStart,
      idOrder,
      ptrStart: ptrs.start,
      inStart,
      inPtr,
      outStart,
      outPtr,
      wStart,
      wRow,
      rStart,
      rRow,
      cStart,
      cRow,
      idBytes,
      ptrBytes: ptrs.bytes,
    },
    components,
    pointerCount,
  );
}
