import { Listeners } from '../../src/listeners.js';
import type { StoreChange } from '../../src/store.js';

/**
 * Tells listeners about committed writes: those in this tab directly, those in other tabs and
 * workers of the same origin through a BroadcastChannel named after the database.
 */
export class ChangeFeed {
  private readonly listeners = new Listeners<StoreChange>();
  private channel: BroadcastChannel | undefined;

  constructor(private readonly channelName: string) {}

  private open(): BroadcastChannel | undefined {
    if (this.channel !== undefined || typeof BroadcastChannel === 'undefined') return this.channel;
    const channel = new BroadcastChannel(this.channelName);
    // In Node an open channel would keep the process alive.
    (channel as { unref?: () => void }).unref?.();
    channel.onmessage = (event: MessageEvent) => this.listeners.emit(event.data as StoreChange);
    this.channel = channel;
    return channel;
  }

  /** Call after the transaction committed. */
  emit(change: StoreChange): void {
    this.listeners.emit(change);
    this.open()?.postMessage(change);
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    const remove = this.listeners.add(listener);
    this.open();
    return remove;
  }

  close(): void {
    this.listeners.clear();
    this.channel?.close();
    this.channel = undefined;
  }
}
