import Dexie from 'dexie';
import { dexieStore, pipetraceTables } from 'pipetrace/adapters/dexie';

const render = () => {};
const renderPage = (runs: unknown) => console.log(runs);
const db = new Dexie('my-app');
db.version(3).stores({ todos: '++id, title', ...pipetraceTables() });
const store = dexieStore({ db }); // or dexieStore({ name: 'pipetrace-dexie' }): a separate database
store.subscribe((_change) => render()); // every committed write, from any tab
store.live((s) => s.scanRuns({ component: 'train', limit: 20 })).subscribe(renderPage);
