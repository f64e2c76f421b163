// azd package hook: picks the host.json of the chosen durable backend (docs/deploy.md).
//   node scripts/package-host-json.mjs apply    before packaging (prepackage)
//   node scripts/package-host-json.mjs restore  after packaging (postpackage)
// DURABLE_BACKEND (an azd environment value, `azd env set DURABLE_BACKEND dts`) is
// `azureStorage` (default: host.json as it is) or `dts` (host.dts.json is copied over host.json
// for the package; the original is kept in .host.json.azurestorage and put back by `restore`).
// Runs in the current directory (azd runs service hooks in the service's project folder).
import console from 'node:console';
import { copyFileSync, existsSync, renameSync } from 'node:fs';
import process from 'node:process';

const BACKUP = '.host.json.azurestorage';
const BACKENDS = ['azureStorage', 'dts'];

function restore() {
  if (existsSync(BACKUP)) {
    renameSync(BACKUP, 'host.json');
    console.log('host.json restored (Azure Storage backend)');
  }
}

const action = process.argv[2];
if (action === 'restore') {
  restore();
} else if (action === 'apply') {
  const backend = (process.env.DURABLE_BACKEND ?? '').trim() || 'azureStorage';
  if (!BACKENDS.includes(backend)) {
    console.error(`DURABLE_BACKEND "${backend}" is not one of ${BACKENDS.join(', ')}`);
    process.exit(2);
  }
  if (backend === 'dts') {
    if (!existsSync(BACKUP)) copyFileSync('host.json', BACKUP);
    copyFileSync('host.dts.json', 'host.json');
    console.log('host.json: Durable Task Scheduler (storageProvider azureManaged) for this package');
  } else {
    restore();
    console.log('host.json: Azure Storage backend');
  }
} else {
  console.error('usage: node scripts/package-host-json.mjs apply|restore');
  process.exit(2);
}
