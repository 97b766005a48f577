import { writeFile } from 'node:fs/promises';
import { createPipetrace } from 'pipetrace/node';
import { renderTrace, toDot, toMermaid } from 'pipetrace/render';

const pt = createPipetrace();
await pt.logRun({
  component: 'train',
  startedAt: Date.now() - 1000,
  endedAt: Date.now(),
  outputs: ['models/fare.pkl'],
});
const trace = await pt.trace('models/fare.pkl');
const html = renderTrace(trace); // self-contained HTML + SVG: display it (tslab.display.html) or save it
await writeFile('trace.html', html);
console.log(toMermaid(trace)); // paste into Markdown as a mermaid block
await writeFile('trace.dot', toDot(trace)); // dot -Tsvg trace.dot > trace.svg
