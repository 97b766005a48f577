import { createPipetrace } from 'pipetrace';
import { httpStore } from 'pipetrace/adapters/http';
import { memoryStore } from 'pipetrace/adapters/memory';
import { createServer } from 'pipetrace/server';

const token = process.env.PIPETRACE_TOKEN ?? 'a-long-secret-token';
const server = createServer({ store: memoryStore(), token, cors: ['https://app.example'] });
const { url } = await server.listen(0);
const pt = createPipetrace({ store: httpStore({ url, token }) });
await pt.logRun({ component: 'clean', startedAt: 1, endedAt: 2, outputs: ['data/clean.parquet'] });
console.log(await pt.recent(1));
await server.close();
