/** Ways to give the main thread back between slices of work, so no task of the page runs long. */

/** The next frame, after the page has rendered: one slice per frame keeps every task short. */
export const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/**
 * A later task, queued behind the tasks already waiting (input, timers, messages): a message
 * to itself, which has no timer clamp. Not `scheduler.yield()`: its continuation jumps ahead of
 * them, so slices joined by it still hold the page as one long stretch.
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
