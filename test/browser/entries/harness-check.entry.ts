/** Browser entry for the harness's own test: one passing, one failing and one hanging test. */
import { describe, expect, installRunner, it } from '../shim.js';

describe('harness check', () => {
  it('passes', async () => {
    expect({ a: [1, new Uint8Array([2])], b: undefined }).toEqual({ a: [1, new Uint8Array([2])] });
    expect(typeof indexedDB.open).toBe('function');
  });
  it('fails', () => {
    expect([1, 2]).toEqual([1, 3]);
  });
  it('hangs', () => new Promise(() => undefined), 200);
});
installRunner();
