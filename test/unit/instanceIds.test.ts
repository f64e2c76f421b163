import {
  HASH_MARK,
  MAX_INSTANCE_ID_LENGTH,
  boundedInstanceId,
  fnv1a64Hex,
  instanceIdProblem,
  isAppInstanceId,
  isValidInstanceId,
} from '../../src/replication/instanceIds';
import { batchInstanceId, copyInstanceId } from '../../src/replication/policy';
import { classifierItemId } from '../../src/replication/items';
import { cvBackupInstanceId } from '../../src/customVisionBackup/contracts';

// The longest name DR_SOURCE_REGION / DR_TARGETS accept (1–24 lower-case letters and digits), and the
// longest real public-cloud region names today.
const LONGEST_REGION = 'z'.repeat(24);
const REAL_LONG_REGIONS = ['germanywestcentral', 'australiasoutheast', 'southafricanorth', 'northcentralusstage'];
// Model and classifier ids: ^[a-zA-Z0-9][a-zA-Z0-9._~-]{1,63}$ (64 characters at most).
const MODEL_ID_64 = 'M' + 'a.b_c~d-'.repeat(8).slice(0, 63);
// The run ids the app makes (functions/replication.ts newRunId): "<trigger>-<yyyymmddThhmmssZ>-<6 random>".
const RUN_IDS = ['schedule-20261201T020000Z-k3j9x1', 'dryrun-20261201T214500Z-a1b2c3', 'http-20261201T214500Z-zzzzzz'];

function expectValid(id: string): void {
  expect(id.length).toBeLessThanOrEqual(MAX_INSTANCE_ID_LENGTH);
  expect(id).toMatch(/^[\x21-\x7e]+$/);
  expect(id).not.toMatch(/[/\\#?]/);
  expect(isValidInstanceId(id)).toBe(true);
  expect(instanceIdProblem(id)).toBeUndefined(); // every id the app builds is of its own grammar
}

describe('FNV-1a 64', () => {
  test('matches the published test vectors', () => {
    expect(fnv1a64Hex('')).toBe('cbf29ce484222325');
    expect(fnv1a64Hex('a')).toBe('af63dc4c8601ec8c');
    expect(fnv1a64Hex('foobar')).toBe('85944171f73967e8');
  });
  test('hashes UTF-8 bytes (non-ASCII differs from its replacement)', () => {
    expect(fnv1a64Hex('é')).not.toBe(fnv1a64Hex('_'));
    expect(fnv1a64Hex('é')).toHaveLength(16);
  });
});

describe('copy and batch instance ids', () => {
  test('a long model id in the longest region stays within the rules (it was 130+ characters)', () => {
    const longest = RUN_IDS.reduce((a, b) => (a.length >= b.length ? a : b));
    const plain = `${longest}:copy:${LONGEST_REGION}:${classifierItemId(MODEL_ID_64)}`;
    expect(plain.length).toBeGreaterThan(MAX_INSTANCE_ID_LENGTH);
    for (const runId of RUN_IDS) {
      for (const region of [LONGEST_REGION, ...REAL_LONG_REGIONS]) {
        for (const item of [MODEL_ID_64, classifierItemId(MODEL_ID_64)]) {
          const id = copyInstanceId(runId, { region, sourceModelId: item });
          expectValid(id);
          expect(copyInstanceId(runId, { region, sourceModelId: item })).toBe(id); // deterministic
          // The readable parts that fit are kept: run id, kind and region lead the id.
          expect(id.startsWith(`${runId}:copy:${region}:`)).toBe(true);
        }
      }
    }
  });

  test('short ids are unchanged, so instances started before keep their names', () => {
    expect(copyInstanceId('run-1', { region: 'eastus', sourceModelId: 'm1' })).toBe('run-1:copy:eastus:m1');
    expect(copyInstanceId('run-1', { region: 'eastus', sourceModelId: classifierItemId('c1') })).toBe(
      'run-1:copy:eastus:classifier:c1',
    );
    expect(batchInstanceId('run-1', 3)).toBe('run-1:batch:3');
    expect(batchInstanceId(RUN_IDS[0], 9999)).toBe(`${RUN_IDS[0]}:batch:9999`);
  });

  test('near-collisions stay distinct: ids differing only past the cut, or in one character', () => {
    const runId = RUN_IDS[0];
    const base = MODEL_ID_64.slice(0, 60);
    const items = [
      `${base}aaaa`,
      `${base}aaab`,
      `${base}baaa`,
      `${base}aaa`,
      classifierItemId(`${base}aaaa`),
      classifierItemId(`${base}aaab`),
    ];
    const ids = new Set<string>();
    for (const region of [LONGEST_REGION, 'z'.repeat(23) + 'y', ...REAL_LONG_REGIONS])
      for (const item of items) ids.add(copyInstanceId(runId, { region, sourceModelId: item }));
    expect(ids.size).toBe(items.length * (REAL_LONG_REGIONS.length + 2));
    // The two items are the same in every character the readable part keeps: only the hash tells them apart.
    const a = copyInstanceId(runId, { region: LONGEST_REGION, sourceModelId: `${base}aaaa` });
    const b = copyInstanceId(runId, { region: LONGEST_REGION, sourceModelId: `${base}aaab` });
    expect(a.slice(0, 83)).toBe(b.slice(0, 83));
    expect(a).not.toBe(b);
  });

  test('many generated items in many regions never collide', () => {
    const ids = new Set<string>();
    let n = 0;
    for (let r = 0; r < 20; r++) {
      const region = `${'r'.repeat(22)}${r.toString().padStart(2, '0')}`;
      for (let i = 0; i < 250; i++) {
        const item = `${'x'.repeat(58)}${i.toString(36).padStart(6, '0')}`;
        ids.add(copyInstanceId(RUN_IDS[1], { region, sourceModelId: i % 2 ? classifierItemId(item) : item }));
        n++;
      }
    }
    expect(ids.size).toBe(n);
  });
});

describe('boundedInstanceId', () => {
  test('forbidden and non-printable characters never reach the id, and the original still decides the hash', () => {
    const a = boundedInstanceId(['run', 'a/b']);
    const b = boundedInstanceId(['run', 'a_b']);
    expectValid(a);
    expect(b).toBe('run:a_b');
    expect(a).not.toBe(b);
    for (const bad of ['a\\b', 'a#b', 'a?b', 'a b', 'a\tb', 'é', '\u{1F600}'])
      expectValid(boundedInstanceId(['run', bad]));
  });

  test('a plain id never equals a hashed one: a part holding the mark is hashed', () => {
    const hashed = boundedInstanceId(['x'.repeat(120)]);
    expect(hashed).toContain(HASH_MARK);
    expect(boundedInstanceId([hashed])).not.toBe(hashed);
  });

  test('parts are hashed as parts: the same joined text from different parts differs', () => {
    const long = 'q'.repeat(100);
    expect(boundedInstanceId([long, 'a:b', 'c'])).not.toBe(boundedInstanceId([long, 'a', 'b:c']));
  });

  test('Custom Vision backup ids (two GUIDs) are within the rules', () => {
    const id = cvBackupInstanceId('0F8FAD5B-D9CB-469F-A165-70867728950E', '7C9E6679-7425-40DE-944B-E07FC1F90AE7');
    expectValid(id);
  });
});

describe('the app id grammar (what HTTP routes and durable calls accept)', () => {
  test('ids that would change a management URL are refused, each with the reason', () => {
    expect(instanceIdProblem('?runtimeStatus=Running')).toBe(
      "holds '?' at position 1; an instance id holds only letters, digits and . _ ~ : ! -",
    );
    expect(instanceIdProblem('../../api/report')).toMatch(/^holds '\/' at position 3/);
    expect(instanceIdProblem('..')).toBe('must start with a letter or a digit');
    expect(instanceIdProblem('.')).toBe('must start with a letter or a digit');
    expect(instanceIdProblem('a%2Fb')).toMatch(/^holds '%' at position 2/);
    expect(instanceIdProblem('a#b')).toMatch(/^holds '#'/);
    expect(instanceIdProblem('a&b=c')).toMatch(/^holds '&'/);
    expect(instanceIdProblem('a\u0000b')).toMatch(/^holds U\+0000 at position 2/);
    expect(instanceIdProblem('')).toBe('must not be empty');
    expect(instanceIdProblem('r'.repeat(101))).toBe('is 101 characters long; an instance id has at most 100');
  });

  test('the run, batch, copy and backup ids the app builds are accepted', () => {
    for (const id of RUN_IDS) expect(isAppInstanceId(id)).toBe(true);
    expect(isAppInstanceId(batchInstanceId(RUN_IDS[0], 12))).toBe(true);
    expect(
      isAppInstanceId(copyInstanceId(RUN_IDS[0], { region: 'eastus', sourceModelId: classifierItemId(MODEL_ID_64) })),
    ).toBe(true);
    expect(
      isAppInstanceId(
        cvBackupInstanceId('0F8FAD5B-D9CB-469F-A165-70867728950E', '7C9E6679-7425-40DE-944B-E07FC1F90AE7'),
      ),
    ).toBe(true);
  });

  test('boundedInstanceId only builds ids of the grammar, whatever the parts hold', () => {
    for (const bad of ['a&b', 'x=y', '%41', '.hidden', '..', '@home', 'a b', '(x)', "it's", 'é', '\u{1F600}'])
      for (const parts of [[bad], ['run', bad], [bad, 'copy', 'eastus']]) {
        const id = boundedInstanceId(parts);
        expect([parts, instanceIdProblem(id)]).toEqual([parts, undefined]);
      }
  });
});
