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
