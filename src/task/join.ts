/**
 * The join of a task's outputs and feedback by id, on the ids' 64-bit row hashes stored with
 * each batch (no id string is parsed or hashed to join). For an id logged again, the later
 * batch wins, on either side. Feedback for an id with no output stays stored and is counted
 * as unmatched; it joins once the output is logged.
 */
import { HashTable64 } from '../rows/hashset.js';
import type { StoredBatch } from './batch.js';
import { timeAt, valueAt } from './batch.js';
import type { TaskValue } from './types.js';

/** Joined pairs as columns, one entry per id with both an output and feedback. */
export interface JoinedPairs {
  n: number;
  outputs: TaskValue[];
  feedback: TaskValue[];
  outputAt: Float64Array;
  feedbackAt: Float64Array;
  /** The prediction pointer pair j's output was logged with (undefined: none). */
  pointerAt(j: number): string | undefined;
  /** The id of pair j (its output's id as logged). */
  idAt(j: number): string;
  /** Every pair's id, in pair order. */
  ids(): string[];
  /** Distinct feedback ids with no output. */
  unmatched: number;
  unmatchedIds: string[];
}

/** Which output batch and position answers each distinct output id, by the id's slot. */
export interface OutputIndex {
  slots: HashTable64;
  batch: Int32Array;
  pos: Int32Array;
  size: number;
}

export function indexOutputs(outputs: readonly StoredBatch[]): OutputIndex {
  let total = 0;
  for (const b of outputs) total += b.n;
  const slots = new HashTable64(total);
  const batch = new Int32Array(total);
  const pos = new Int32Array(total);
  let size = 0;
  for (let bi = 0; bi < outputs.length; bi++) {
    const { hashes, n } = outputs[bi] as StoredBatch;
    for (let i = 0; i < n; i++) {
      const s = slots.add(hashes[2 * i] as number, hashes[2 * i + 1] as number, size);
      if (s === size) size++;
      batch[s] = bi;
      pos[s] = i;
    }
  }
  return { slots, batch, pos, size };
}

/** Feedback ids `index` does not know, distinct, with up to `sample` of them named. */
export function unmatchedOf(
  index: OutputIndex,
  feedback: readonly StoredBatch[],
  sample = 10,
): { count: number; ids: string[] } {
  // A set of hash texts: unmatched feedback is usually rare, so the common path is the lookup.
  const seen = new Set<string>();
  const ids: string[] = [];
  for (const b of feedback) {
    const h = b.hashes;
    for (let i = 0; i < b.n; i++) {
      const hi = h[2 * i] as number;
      const lo = h[2 * i + 1] as number;
      if (index.slots.get(hi, lo) !== -1) continue;
      const key = `${hi},${lo}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (ids.length < sample) ids.push(b.ids()[i] as string);
    }
  }
  return { count: seen.size, ids };
}

export function joinBatches(
  outputs: readonly StoredBatch[],
  feedback: readonly StoredBatch[],
  index = indexOutputs(outputs),
): JoinedPairs {
  const fbBatch = new Int32Array(index.size).fill(-1);
  const fbPos = new Int32Array(index.size);
  for (let bi = 0; bi < feedback.length; bi++) {
    const { hashes, n } = feedback[bi] as StoredBatch;
    for (let i = 0; i < n; i++) {
      const s = index.slots.get(hashes[2 * i] as number, hashes[2 * i + 1] as number);
      if (s === -1) continue;
      fbBatch[s] = bi;
      fbPos[s] = i;
    }
  }
  let n = 0;
  for (let s = 0; s < index.size; s++) if (fbBatch[s] !== -1) n++;
  const outBatch = new Int32Array(n);
  const outPos = new Int32Array(n);
  const unmatched = unmatchedOf(index, feedback);
  const pairs: JoinedPairs = {
    n,
    // Filled arrays, not holey ones: V8 keeps numbers in them unboxed.
    outputs: new Array(n).fill(0),
    feedback: new Array(n).fill(0),
    outputAt: new Float64Array(n),
    feedbackAt: new Float64Array(n),
    pointerAt: (j) => (outputs[outBatch[j] as number] as StoredBatch).pointer,
    idAt: (j) => (outputs[outBatch[j] as number] as StoredBatch).ids()[outPos[j] as number] as string,
    ids: () => Array.from({ length: n }, (_, j) => pairs.idAt(j)),
    unmatched: unmatched.count,
    unmatchedIds: unmatched.ids,
  };
  let j = 0;
  for (let s = 0; s < index.size; s++) {
    const fb = fbBatch[s] as number;
    if (fb === -1) continue;
    const ob = outputs[index.batch[s] as number] as StoredBatch;
    const op = index.pos[s] as number;
    const fbb = feedback[fb] as StoredBatch;
    const fp = fbPos[s] as number;
    outBatch[j] = index.batch[s] as number;
    outPos[j] = op;
    pairs.outputs[j] = valueAt(ob, op);
    pairs.feedback[j] = valueAt(fbb, fp);
    pairs.outputAt[j] = timeAt(ob, op);
    pairs.feedbackAt[j] = timeAt(fbb, fp);
    j++;
  }
  return pairs;
}
