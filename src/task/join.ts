/**
 * The join of a task's outputs and feedback by id. For an id logged again, the later batch
 * wins, on either side. Feedback for an id with no output stays stored and is counted as
 * unmatched; it joins once the output is logged.
 */
import type { StoredBatch } from './batch.js';
import { timeAt, valueAt } from './batch.js';
import type { TaskValue } from './types.js';

/** Joined pairs as columns, one entry per id with both an output and feedback. */
export interface JoinedPairs {
  ids: string[];
  outputs: TaskValue[];
  feedback: TaskValue[];
  outputAt: Float64Array;
  feedbackAt: Float64Array;
  /** The prediction pointer each output was logged with (undefined: none). */
  pointers: (string | undefined)[];
  /** Distinct feedback ids with no output. */
  unmatched: number;
  unmatchedIds: string[];
}

/** Which output batch and position answers each distinct output id, and the id's slot. */
export interface OutputIndex {
  slots: Map<string, number>;
  batch: Int32Array;
  pos: Int32Array;
  size: number;
}

export function indexOutputs(outputs: readonly StoredBatch[]): OutputIndex {
  let total = 0;
  for (const b of outputs) total += b.ids.length;
  const slots = new Map<string, number>();
  const batch = new Int32Array(total);
  const pos = new Int32Array(total);
  let size = 0;
  for (let bi = 0; bi < outputs.length; bi++) {
    const ids = (outputs[bi] as StoredBatch).ids;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      let s = slots.get(id);
      if (s === undefined) {
        s = size++;
        slots.set(id, s);
      }
      batch[s] = bi;
      pos[s] = i;
    }
  }
  return { slots, batch, pos, size };
}

/** Feedback ids `index` does not know, distinct; up to `sample` of them named. */
export function unmatchedIds(
  index: OutputIndex,
  ids: readonly string[],
  sample = 10,
): { count: number; ids: string[] } {
  const seen = new Set<string>();
  for (const id of ids) if (!index.slots.has(id)) seen.add(id);
  return { count: seen.size, ids: [...seen].slice(0, sample) };
}

export function joinBatches(
  outputs: readonly StoredBatch[],
  feedback: readonly StoredBatch[],
  index = indexOutputs(outputs),
): JoinedPairs {
  const fbBatch = new Int32Array(index.size).fill(-1);
  const fbPos = new Int32Array(index.size);
  const unmatched = new Set<string>();
  for (let bi = 0; bi < feedback.length; bi++) {
    const ids = (feedback[bi] as StoredBatch).ids;
    for (let i = 0; i < ids.length; i++) {
      const s = index.slots.get(ids[i] as string);
      if (s === undefined) unmatched.add(ids[i] as string);
      else {
        fbBatch[s] = bi;
        fbPos[s] = i;
      }
    }
  }
  let n = 0;
  for (let s = 0; s < index.size; s++) if (fbBatch[s] !== -1) n++;
  const pairs: JoinedPairs = {
    ids: new Array(n),
    outputs: new Array(n),
    feedback: new Array(n),
    outputAt: new Float64Array(n),
    feedbackAt: new Float64Array(n),
    pointers: new Array(n),
    unmatched: unmatched.size,
    unmatchedIds: [...unmatched].slice(0, 10),
  };
  let j = 0;
  for (let s = 0; s < index.size; s++) {
    const fb = fbBatch[s] as number;
    if (fb === -1) continue;
    const ob = outputs[index.batch[s] as number] as StoredBatch;
    const op = index.pos[s] as number;
    const fbb = feedback[fb] as StoredBatch;
    const fp = fbPos[s] as number;
    pairs.ids[j] = ob.ids[op] as string;
    pairs.outputs[j] = valueAt(ob, op);
    pairs.feedback[j] = valueAt(fbb, fp);
    pairs.outputAt[j] = timeAt(ob, op);
    pairs.feedbackAt[j] = timeAt(fbb, fp);
    pairs.pointers[j] = ob.pointer;
    j++;
  }
  return pairs;
}
