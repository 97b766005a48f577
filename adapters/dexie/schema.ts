import type { Transaction } from 'dexie';
import type { PointerRecord, Run } from '../../src/model.js';
import { BY_COMPONENT, BY_INPUT, BY_OUTPUT, BY_START, toStoredPointer, toStoredRun } from '../indexeddb/schema.js';

/**
 * pipetrace's tables in Dexie terms: the same records and index keys as the idb adapter.
 * DEXIE_SCHEMA_VERSION counts pipetrace's own schema versions (Dexie stores version n as n * 10).
 */
export const DEXIE_SCHEMA_VERSION = 2;

/** The default prefix of pipetrace's tables inside an app's own Dexie database. */
export const DEFAULT_PREFIX = 'pipetrace_';

export interface TableNames {
  runs: string;
  components: string;
  pointers: string;
  blobs: string;
}

export function tableNames(prefix: string): TableNames {
  return {
    runs: `${prefix}runs`,
    components: `${prefix}components`,
    pointers: `${prefix}pointers`,
    blobs: `${prefix}blobs`,
  };
}

/** The Dexie index name for each index the shared scan planner picks. */
export const DEXIE_INDEX: Record<string, string> = {
  [BY_START]: '[startedAt+id]',
  [BY_COMPONENT]: '[component+startedAt+id]',
  [BY_INPUT]: '_i',
  [BY_OUTPUT]: '_o',
};

/**
 * pipetrace's tables for a Dexie `version(n).stores({...})` declaration. Spread it into your
 * app's declaration; the prefix keeps the names clear of your own tables:
 *
 *   db.version(3).stores({ ...myTables, ...pipetraceTables() });
 */
export function pipetraceTables(prefix = DEFAULT_PREFIX): Record<string, string> {
  const t = tableNames(prefix);
  return {
    [t.runs]: 'id, [startedAt+id], [component+startedAt+id], *_i, *_o, *_w',
    [t.components]: 'name',
    [t.pointers]: 'name, _f',
    // Outbound keys: the value is the blob's ArrayBuffer itself.
    [t.blobs]: '',
  };
}

/** Schema version 1 of pipetrace's tables, kept so older databases can be upgraded. */
export function pipetraceTablesV1(prefix = DEFAULT_PREFIX): Record<string, string> {
  const t = tableNames(prefix);
  return {
    [t.runs]: 'id, [startedAt+id], [component+startedAt+id]',
    [t.components]: 'name',
    [t.pointers]: 'name',
  };
}

/**
 * Brings pipetrace's tables from schema version 1 to the current one: fills in the index keys
 * runs and pointers carry since version 2. Pass it to the `.upgrade()` of the version that moves
 * your declaration from pipetraceTablesV1() to pipetraceTables(); it is safe to run twice.
 */
export async function upgradePipetraceTables(tx: Transaction, prefix = DEFAULT_PREFIX): Promise<void> {
  const t = tableNames(prefix);
  await tx
    .table(t.runs)
    .toCollection()
    .modify((run: Run, ref: { value: unknown }) => {
      ref.value = toStoredRun(run);
    });
  await tx
    .table(t.pointers)
    .toCollection()
    .modify((pointer: PointerRecord, ref: { value: unknown }) => {
      ref.value = toStoredPointer(pointer);
    });
}
