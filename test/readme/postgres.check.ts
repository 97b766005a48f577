import { createPipetrace } from 'pipetrace';
import { postgresStore } from 'pipetrace/adapters/postgres';
import postgres from 'postgres';

const url = process.env.PIPETRACE_DATABASE_URL ?? 'postgres://pipetrace@localhost:5432/lineage';
const store = await postgresStore({ url });
const pt = createPipetrace({ store });
await pt.recent(10);
await store.close();

// Or over a client you made and close yourself (closing the store leaves it open):
const sql = postgres(url);
const shared = await postgresStore({ sql }, { schema: 'lineage' });
await shared.close();
await sql.end();
