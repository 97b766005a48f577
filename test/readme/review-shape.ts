import { createPipetrace, rowHash } from 'pipetrace';
import { memoryStore } from 'pipetrace/adapters/memory';

const pt = createPipetrace({ store: memoryStore() });
const review = await pt.review({ method: 'ochiai', minSupport: 1, limit: 20 });
review.F; // flagged outputs (with a producer)
review.P; // unflagged outputs of the same components
review.flagged; // [{ pointer, producer?, component? }]
review.candidates; // runs and component versions ranked one by one, as rows.candidates below
review.runs; // tie groups, best first: [{ rank, score, ef, ep, candidates: [{ kind: 'run', id, component, startedAt, evidence }] }]
review.components; // the same for components: candidates [{ kind: 'component', name, bestVersion?, evidence }]
review.notes; // what the flags alone cannot tell, in words
review.rows; // only with flagged rows: a RowReview (below), the same as pt.reviewRows()

const rows = await pt.reviewRows({ metric: 'ochiai', limit: 20 }); // or pointers: ['predictions/2026-01-08']
rows.metric; // the score used
rows.F; // flagged rows of the population outputs (rows.outputs)
rows.P; // unflagged rows of the same outputs
rows.candidates; // runs and component versions, best first
rows.rows; // upstream rows with no recorded origin (raw records), best first
rows.notes; // what the review could not use, in words
// a candidate: { kind: 'run' | 'component' | 'row', id, group, rank, evidence: { ef, ep, F, P, score },
//   reach: 'rows' | 'run' (row review) or 'direct' | 'aggregate' (run level), hops, differences: string[],
//   run?: { id, component, version? }, component?: { name, version, runs }, row?: { pointer, hash, key? } }
console.log(rows.rows[0]?.row?.hash === rowHash('ride-00042')); // row hashes are rowHash(key): 16 hex digits
// row.key: the original key as JSON text ('"ride-00042"'), where the pairs that read the row kept
// keys (keepKeys); set on rows behind 2 or more flagged rows (the first 100), over HTTP alike
