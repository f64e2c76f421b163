import { readFileSync } from 'node:fs';
import path from 'node:path';
import { IDENTITY_STORAGE_SETTINGS, SETTING_NAMES, loadSettings, referencedSecretSettings } from '../../src/config';

interface SampleFile {
  IsEncrypted: boolean;
  Values: Record<string, string>;
}

const samplePath = path.join(__dirname, '..', '..', 'local.settings.sample.json');
const sample = JSON.parse(readFileSync(samplePath, 'utf8')) as SampleFile;

/** `<your-source>` → `your-source`, `<x: explanation>` → `x`: what a user would type in. */
function fillPlaceholders(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, v.replace(/<([^>:]*)(?::[^>]*)?>/g, (_m, name: string) => name.trim())]),
  );
}

describe('local.settings.sample.json', () => {
  it('is an unencrypted local settings file for the Node worker', () => {
    expect(sample.IsEncrypted).toBe(false);
    expect(sample.Values.FUNCTIONS_WORKER_RUNTIME).toBe('node');
    expect(sample.Values.AzureWebJobsStorage).toBe('UseDevelopmentStorage=true');
  });

  it('lists exactly the settings the configuration module knows, plus the key settings it references', () => {
    // Prepare
    const settings = loadSettings(fillPlaceholders(sample.Values));
    const expected = new Set<string>([
      'FUNCTIONS_WORKER_RUNTIME',
      ...SETTING_NAMES,
      ...referencedSecretSettings(settings),
    ]);
    // Act
    const listed = new Set(Object.keys(sample.Values));
    // Assess
    expect([...listed].sort()).toEqual([...expected].sort());
    for (const alt of IDENTITY_STORAGE_SETTINGS) expect(listed.has(alt)).toBe(false);
  });

  it('loads once its placeholders are filled in, and only fake values are shipped', () => {
    // Prepare
    const values = fillPlaceholders(sample.Values);
    // Act
    const settings = loadSettings(values);
    // Assess
    expect(settings.targets.map((t) => t.region)).toEqual(['eastus2', 'westeurope']);
    expect(settings.targets[0].credential).toEqual({ kind: 'key', setting: 'DR_TARGET_KEY_EASTUS2' });
    for (const name of referencedSecretSettings(settings).filter((n) => n !== 'AzureWebJobsStorage')) {
      expect(sample.Values[name]).toMatch(/<[^>]+>/);
    }
  });

  it('shows the defaults for the settings that have them', () => {
    // Prepare
    const withDefaults = loadSettings(fillPlaceholders(sample.Values));
    const withoutOptional = { ...fillPlaceholders(sample.Values) };
    for (const name of [
      'DR_TASK_HUB',
      'DR_API_VERSION',
      'DR_SCHEDULE',
      'DR_MAX_PARALLEL',
      'DR_MANAGEMENT_RPS',
      'DR_POLL_INITIAL_SECONDS',
      'DR_POLL_MAX_SECONDS',
      'DR_COPY_DEADLINE_MINUTES',
      'DR_LEDGER_CONTAINER',
      'DR_RPO_HOURS',
      'CV_NOTIFICATION_QUEUE',
      'CV_DR_KEEP',
      'CV_DR_SCHEDULE',
      'CV_DR_TRAIN_MISSING',
      'DR_DRILL_SCHEDULE',
      'DR_DRILL_CONFIDENCE_TOLERANCE',
      'DR_DRILL_RECORD_VALUES',
      'DR_DRILL_MAX_PAGES',
      'DR_DRILL_MAX_PAGES_PER_DAY',
    ]) {
      delete withoutOptional[name];
    }
    // Act
    const defaults = loadSettings(withoutOptional);
    // Assess
    expect(JSON.stringify(defaults)).toBe(JSON.stringify(withDefaults));
  });
});
