/** Browser entry for the yield test: the order in which a queued task and nextTask's continuation run. */
import { nextTask } from '../../../dashboard/yield.js';

/** A message queued before `nextTask()` is called: which runs first, it or the code after the await? */
(globalThis as { queuedFirst?: () => Promise<string[]> }).queuedFirst = async () => {
  const seen: string[] = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => seen.push('queued task');
  channel.port2.postMessage(null);
  await nextTask();
  seen.push('after nextTask');
  return seen;
};

/**
 * Three slices queued at once, and a task queued by another party after each of its turns: the
 * other party's task runs between the slices, not after all three.
 */
(globalThis as { takeTurns?: () => Promise<string[]> }).takeTurns = async () => {
  const seen: string[] = [];
  const other = new MessageChannel();
  let turns = 0;
  other.port1.onmessage = () => {
    seen.push('other');
    if (++turns < 4) other.port2.postMessage(null);
  };
  other.port2.postMessage(null);
  await Promise.all(
    ['a', 'b', 'c'].map(async (name) => {
      await nextTask();
      seen.push(name);
    }),
  );
  return seen;
};
