/**
 * The Function App's entry point (package.json `main`): validates the settings first —
 * a wrong or missing setting stops the app at start with a message naming it — then
 * registers every function.
 */
import { describeSettings } from '../config';
import { getServices } from '../activities/services';

const services = getServices();
console.log(`ai-model-dr settings: ${JSON.stringify(describeSettings(services.settings))}`);

import './replication';
import './customVision';
import './dashboard';
