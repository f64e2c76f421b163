/**
 * The local stack (local host + Azurite + emulators, dev/stack.ts) for one describe block:
 * started in `beforeAll` on the given clock, closed in `afterAll`.
 *
 *   const clock = new VirtualClock('2026-11-21T00:00:00Z');
 *   const stack = useLocalStack({ clock, ...QUIET_STACK });
 *   it('…', async () => { const emulator = await stack.reset(); … });
 *
 * `QUIET_STACK` turns the host's timer schedules off (tests start runs themselves) and discards
 * logs: `useLocalStack({ clock, ...QUIET_STACK })`.
 */
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../dev/stack';
import { lazy } from './lazy';

export const QUIET_STACK: LocalStackOptions = { logger: () => undefined, host: { timerSchedules: false } };

/** `options` is read when the stack starts (in `beforeAll`); a function is called then. */
export function useLocalStack(options: LocalStackOptions | (() => LocalStackOptions)): LocalStack {
  let stack: LocalStack | undefined;
  beforeAll(async () => {
    const o = typeof options === 'function' ? options() : options;
    stack = await startLocalStack(o);
  });
  afterAll(async () => {
    await stack?.close();
    stack = undefined;
  });
  return lazy('The local stack', () => stack);
}
