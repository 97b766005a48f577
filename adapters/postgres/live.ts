import type { StoreChange } from '../../src/store.js';
import { attempt, type Connection } from './connection.js';

/**
 * Hears the schema's change notifications (sent by triggers on commit, whichever process wrote)
 * on one LISTEN connection, opened when the first listener subscribes. The client re-listens
 * after a dropped connection; notifications sent while it was down are lost, so listeners then
 * hear `{ kind: 'resync' }`: something may have changed, nobody knows what (a cache
 * that listens drops what it holds).
 */
export class LiveFeed {
  private listening: Promise<{ unlisten(): Promise<void> } | undefined> | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly channel: string,
    private readonly emit: (change: StoreChange) => void,
  ) {}

  start(): void {
    let listens = 0;
    const onListen = () => {
      if (++listens > 1) this.emit({ kind: 'resync' });
    };
    this.listening ??= attempt(this.connection, 'listening for changes', () =>
      Promise.resolve(this.connection.sql.listen(this.channel, (payload) => this.heard(payload), onListen)),
    ).catch((error: unknown) => {
      // The store still works; only live updates are missing. Try again on the next subscribe.
      this.listening = undefined;
      console.error(`pipetrace: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    });
  }

  /** Settles once the LISTEN is in place (at once when nobody subscribed). */
  async ready(): Promise<void> {
    await this.listening;
  }

  private heard(payload: string): void {
    let message: { kind?: unknown; names?: unknown };
    try {
      message = JSON.parse(payload);
    } catch {
      return;
    }
    const names = Array.isArray(message.names) ? message.names.filter((n) => typeof n === 'string') : [];
    if (message.kind === 'runs') this.emit({ kind: 'runs', ids: names });
    else if (message.kind === 'components' || message.kind === 'pointers') this.emit({ kind: message.kind, names });
  }

  async stop(): Promise<void> {
    const listening = this.listening;
    this.listening = undefined;
    const handle = await listening;
    await handle?.unlisten().catch(() => {});
  }
}
