/** Ways to give the main thread back between slices of work, so no task of the page runs long. */

/** The next frame, after the page has rendered: one slice per frame keeps every task short. */
export const nextFrame = () =>
  new Promise<void>((resolve) => requestAnimationFrame(() => void nextTask().then(resolve)));

/** Slices waiting for their turn, first come first served. */
const waiting: (() => void)[] = [];
let channel: MessageChannel | undefined;

/** Posts the message that runs the first waiting slice. */
function post(): void {
  if (channel === undefined) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const resolve = waiting.shift();
      // The next slice's message goes behind what others queued meanwhile (input, timers, messages).
      if (waiting.length > 0) post();
      resolve?.();
    };
  }
  channel.port2.postMessage(null);
}

/**
 * A later task, queued behind the tasks already waiting (input, timers, messages): a message
 * to itself, which has no timer clamp. Not `scheduler.yield()`: its continuation jumps ahead of
 * them, so slices joined by it still hold the page as one long stretch. Slices of several
 * pieces of work take turns, one message queued at a time, so slices queued at once (a view,
 * its card, the live watch) run as separate turns of the event loop with the page's other
 * tasks between them, not as one stretch.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (waiting.length === 1) post();
  });
}
