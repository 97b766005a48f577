/** Ways to give the main thread back between slices of work, so no task of the page runs long. */

/** The next frame, after the page has rendered: one slice per frame keeps every task short. */
export const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/** A later task (input and rendering may run first): `scheduler.yield()` where there is one. */
export function nextTask(): Promise<void> {
  const s = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof s?.yield === 'function') return s.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}
