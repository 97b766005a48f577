/**
 * The context a dashboard view is given. Its own file, so views and the shell (app.ts, which
 * imports every view) both depend on it and not on each other.
 */
import type { DashboardApi } from './api.js';
import type { View } from './hash-router.js';

/**
 * What a view gets: the API, navigation, and a way to tell whether it is still on screen. A view
 * is an async function that loads what it shows and resolves with the nodes; `render()` puts
 * them on screen only if the user has not moved on meanwhile.
 */
export interface ViewContext {
  api: DashboardApi;
  go(view: View): void;
  /** Renders the current view again (after a change it shows, e.g. an unflag). */
  refresh(): void;
  /** Records a change inside the view (e.g. the open run card) in the URL without re-rendering. */
  replace(view: View): void;
  href(view: View): string;
  notify(message: string): void;
  /** False once the user moved on: a later update inside a view (a card opened) must check it. */
  current(): boolean;
  /** Whether the API can write (shows flag toggles and note forms either way; errors explain). */
  canAskForToken: boolean;
  /** Whether writes can work: 'no' on a read-only server (views leave out flag and note controls). */
  readonly writes: 'yes' | 'token' | 'no';
  /** Resolves once `writes` is known: a view with write controls awaits it beside its data. */
  access: Promise<void>;
}
