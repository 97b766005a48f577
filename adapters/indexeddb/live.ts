import type { StoreChange } from '../../src/store.js';

/**
 * Tells listeners about committed writes: those in this tab directly, those in other tabs and
 * workers of the same origin through a BroadcastChannel named after the database.
 */
export class ChangeFeed {
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private channel: BroadcastChannel | undefined;

  constructor(private readonly channelName: string) {}

  private open(): BroadcastChannel | undefined {
    if (this.channel !== undefined || typeof BroadcastChannel === 'undefined') return this.channel;
    const channel = new BroadcastChannel(this.channelName);
    // In Node an open channel would keep the process alive.
    (channel as { unref?: () => void }).unref?.();
    channel.onmessage = (event: MessageEvent) => this.deliver(event.data as StoreChange);
    this.channel = channel;
    return channel;
  }

  private deliver(change: StoreChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // One failing listener must not keep the others from hearing about the write.
      }
    }
  }

  /** Call after the transaction committed. */
  emit(change: StoreChange): void {
    this.deliver(change);
    this.open()?.postMessage(change);
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    this.open();
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): void {
    this.listeners.clear();
    this.channel?.close();
    this.channel = undefined;
  }
}
