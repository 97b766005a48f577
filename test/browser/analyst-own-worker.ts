// A user's own worker file: imports the browser worker entry and starts it explicitly.
import { exposeAnalyst } from '../../worker/browser.js';

exposeAnalyst();
exposeAnalyst(); // a second call does nothing
