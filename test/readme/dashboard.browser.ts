import { indexedDbStore } from 'pipetrace/adapters/indexeddb';
import { mount } from 'pipetrace/dashboard';

const dash = mount(document.querySelector<HTMLElement>('#lineage')!, { store: indexedDbStore() }); // or { url, token }
dash.navigate({ view: 'trace', pointer: 'models/fare.pkl' });
