import type { Run } from './model.js';

/**
 * A store's runs read in place as numbered slots, for analyses over a whole history (the
 * run-level review at a million runs): numbers instead of a Run object per run, so the
 * work and the memory grow with the slots an analysis touches, not with the objects it makes.
 * The memory store's table offers it (Store.columns); a review over any other store builds
 * one from the runs it reads.
 */
export interface RunColumns {
  /** Changes whenever a run is stored: what an analysis derived from the columns holds while it stays. */
  readonly generation: number;
  /** Slots ever numbered (stored runs, and runs named only as a dependency). */
  readonly slots: number;
  /** Pointers ever numbered. */
  readonly pointerCount: number;
  /** The slot of a stored run, -1 when none. */
  slotOf(id: string): number;
  /** The number of a pointer, -1 when none. */
  pointerOf(name: string): number;
  /** Whether a run is stored in the slot (a dependency may name a run that is not). */
  stored(slot: number): boolean;
  /** The slots of a component's stored runs in (startedAt, id) order; undefined when none. */
  slotsOf(component: string): readonly number[] | undefined;
  id(slot: number): string;
  component(slot: number): string;
  startedAt(slot: number): number;
  /** The code version's commit, undefined when none was recorded. */
  commit(slot: number): string | undefined;
  /** The run's params (a shared empty object when it has none): read, never change. */
  params(slot: number): Readonly<Record<string, unknown>>;
  /**
   * Its dependencies' slots (stored or not) are links()[d] .. links()[d + dependencyCount - 1]
   * from d = firstDependency(slot); its outputs' pointer numbers likewise. Numbers, not
   * subarrays: a review reads millions of them.
   */
  firstDependency(slot: number): number;
  dependencyCount(slot: number): number;
  firstOutput(slot: number): number;
  outputCount(slot: number): number;
  /** The array the links above point into (it is replaced when it grows: read it again after a write). */
  links(): Int32Array;
  /** WriteKey order of two slots: negative, zero or positive. */
  compareWrites(a: number, b: number): number;
  /** A fresh copy of the run in a slot. */
  run(slot: number): Run;
}
