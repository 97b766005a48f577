/** The core API on the memory store, run inside the page: pipetrace is meant for browsers too. */
import { memoryStore } from '../../../adapters/memory.js';
import { createPipetrace, isPipetraceError } from '../../../src/index.js';
import type { TestApi } from '../../../src/testing.js';

export function coreSpecs({ describe, it, expect }: TestApi): void {
  describe('core API on the memory store, in the page', () => {
    it('logs a pipeline, infers dependencies, traces, reviews and judges staleness', async () => {
      let now = Date.UTC(2026, 0, 1);
      const pt = createPipetrace({ store: memoryStore(), now: () => now });
      const step = async (component: string, inputs: string[], outputs: string[]) => {
        const run = pt.startRun(component).addInputs(inputs).addOutputs(outputs);
        now += 1000;
        const stored = await run.end();
        now += 1000;
        return stored;
      };
      const ingest = await step('ingest', [], ['raw.csv']);
      const clean = await step('clean', ['raw.csv'], ['clean.csv']);
      const train = await step('train', ['clean.csv'], ['model.pkl']);
      const infer = await step('infer', ['model.pkl', 'clean.csv'], ['preds.csv']);
      expect(infer.dependencies).toEqual([train.id, clean.id]);
      const trace = await pt.trace('preds.csv');
      expect(trace.root).toBe(infer.id);
      expect(trace.nodes.map((n) => n.run.id).sort()).toEqual([ingest.id, clean.id, train.id, infer.id].sort());
      expect((await pt.pointer('model.pkl')).type).toBe('model');

      // A second day whose cleaning is bad: its predictions get flagged.
      const clean2 = await step('clean', ['raw.csv'], ['clean2.csv']);
      await step('infer', ['model.pkl', 'clean2.csv'], ['preds2.csv']);
      await pt.flag('preds2.csv');
      const review = await pt.review();
      expect(review.F).toBe(1);
      expect(review.runs[0]?.candidates.map((c) => c.id)).toContain(clean2.id);
      expect(review.runs[0]?.candidates.map((c) => c.id)).not.toContain(clean.id);

      now += 40 * 86_400_000;
      expect((await pt.staleness('preds.csv')).stale).toBe(true);
      const error = await pt.trace('nowhere.csv').catch((e: unknown) => e);
      expect(isPipetraceError(error) && error.code).toBe('not_found');
    });
  });
}
