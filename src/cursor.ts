import { invalid } from './errors.js';
import type { Millis } from './model.js';

/** A position in (startedAt, id) order. Cursors are opaque to callers; adapters share this codec. */
export interface ScanPosition {
  startedAt: Millis;
  id: string;
}

export function encodeCursor(position: ScanPosition): string {
  return `${position.startedAt.toString(36)}~${position.id}`;
}

export function decodeCursor(cursor: string): ScanPosition {
  const at = cursor.indexOf('~');
  const startedAt = at > 0 ? Number.parseInt(cursor.slice(0, at), 36) : Number.NaN;
  const id = cursor.slice(at + 1);
  if (!Number.isSafeInteger(startedAt) || id.length === 0 || id.length > 256) {
    throw invalid('cursor', 'not a cursor returned by a previous page');
  }
  return { startedAt, id };
}
