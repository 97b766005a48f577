/**
 * Runs a module's column loops a few times on tiny inputs when it loads. V8 compiles a loop that
 * turns hot midway through a long first call (on-stack replacement) from the type feedback seen
 * so far; code after the loop that never ran has none, so that compiled loop deoptimises at its
 * end, and being kept and re-entered, does so on every later call: in Node 20 the column stats
 * then ran about 4x slower for the rest of the process, in about half of all runs. Feedback is
 * only kept once a function has been called a few times, hence several rounds.
 */
const ROUNDS = 20;

export function primeLoops(loops: () => void): void {
  for (let i = 0; i < ROUNDS; i++) loops();
}
