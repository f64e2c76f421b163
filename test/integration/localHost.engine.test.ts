/**
 * The local host's durable engine, on a virtual clock, driving the real durable-functions
 * replay engine with the fixture app in test/fixtures/hostApp.
 */
import dfPackage from 'durable-functions/package.json';
import functionsPackage from '@azure/functions/package.json';
import { VirtualClock } from '../../dev/clock';
import { createLocalHost, EventType, type HostEvent, type LocalHost, type LogEntry } from '../../dev/host';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-01-01T00:00:00Z');

type FixtureState = (typeof import('../fixtures/hostApp'))['fixtureState'];

describe('local host: durable engine on a virtual clock', () => {
  let host: LocalHost;
  let clock: VirtualClock;
  let state: FixtureState;
  const logs: LogEntry[] = [];

  beforeAll(async () => {
    clock = new VirtualClock(T0);
    host = await createLocalHost({
      clock,
      httpPort: 0,
      load: async () => {
        state = (await import('../fixtures/hostApp')).fixtureState;
      },
      env: { NIGHTLY_SCHEDULE: '0 0 2 * * *', NOTIFY_QUEUE: 'unused' },
      queueListeners: false,
      atLeastOnce: [{ activity: 'Charge', count: 1 }],
      logger: (e) => logs.push(e),
    });
  });

  afterAll(async () => {
    await host?.close();
  });

  it('runs on the pinned durable-functions version (regression guard for the open-task cross-check)', () => {
    expect(dfPackage.version).toBe('3.5.0');
    expect(functionsPackage.version).toBe('4.16.5');
  });

  it('captures every registration with its trigger kind', () => {
    const kinds = Object.fromEntries(host.functions.map((f) => [f.name, f.kind]));
    expect(kinds).toMatchObject({
      Hello: 'activity',
      Main: 'orchestration',
      StartOrchestration: 'http',
      Echo: 'http',
      NightlyStart: 'timer',
      Notifications: 'queue',
      QueueStarter: 'queue',
    });
  });

  it('runs the orchestration that uses every construct, with a 24-hour retry schedule and a 10-day timer', async () => {
    // Prepare
    const events: HostEvent[] = [];
    host.events.on('*', (e) => events.push(e));
    const wallStart = Date.now();

    // Act
    const id = await host.durable.startNew('Main', { instanceId: 'main-1', input: { name: 'Ada' } });
    host.durable.raiseEvent(id, 'Approval', { by: 'ops' }); // before the wait: buffered
    const status = await host.durable.waitForInstance(id);

    // Assess
    console.log(`Main: ${(clock.now() - T0) / DAY} virtual days in ${Date.now() - wallStart} ms of wall time`);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.customStatus).toEqual({ stage: 'done' });
    const out = status.output as Record<string, unknown>;
    expect(out).toMatchObject({
      greeting: 'Hello Ada!',
      fanOut: ['Hello a!', 'Hello b!', 'Hello c!'],
      pair: ['Hello first!', 'Hello second!'],
      flakyAttempts: 6,
      explicitChild: { greeting: 'Hello explicit!', parent: 'main-1', self: 'main-1-child' },
      generatedChild: { greeting: 'Hello generated!', parent: 'main-1' },
      retriedChild: { key: 'main-1:child', attempts: 2 },
      typed: 'Hello typed!',
      typedChild: { greeting: 'Hello typed-child!', parent: 'main-1', self: 'main-1-typed-child' },
      approval: { by: 'ops' },
      started: '2026-01-01T00:00:00.000Z',
      // 2h + 4h + 6h + 6h + 6h of retry timers
      afterRetry: new Date(T0 + 24 * HOUR).toISOString(),
      afterLongTimer: new Date(T0 + 24 * HOUR + 10 * DAY).toISOString(),
    });
    // The retried child waited 30 s of virtual time between its two attempts.
    expect(Date.parse(out.finished as string)).toBe(T0 + 24 * HOUR + 10 * DAY + 30_000);
    expect(state.flakyCalls['main-1:flaky']).toBe(6);

    // Each activity ran once per scheduling (the shared tasks were not scheduled twice).
    const history = host.durable.history(id);
    const scheduled = history
      .filter((e) => e.EventType === EventType.TaskScheduled)
      .map((e) => JSON.parse(e.Input as string) as unknown);
    expect(scheduled.filter((i) => i === 'first')).toHaveLength(1);
    expect(scheduled.filter((i) => i === 'second')).toHaveLength(1);

    // The 10-day timer was split into pieces of 3 days; the canceled 1-hour timer never fired.
    const fired = history.filter((e) => e.EventType === EventType.TimerFired).map((e) => e.FireAt as string);
    const longStart = T0 + 24 * HOUR;
    expect(fired).toEqual(
      expect.arrayContaining(
        [longStart + 3 * DAY, longStart + 6 * DAY, longStart + 10 * DAY].map((t) => new Date(t).toISOString()),
      ),
    );
    expect(fired).not.toContain(new Date(T0 + HOUR).toISOString());
    // Retry timers: 2h, 4h, 6h, 6h, 6h after each failure.
    const retryFires = fired.map(Date.parse).filter((t) => t > T0 && t <= T0 + 24 * HOUR);
    expect(retryFires).toEqual([2, 6, 12, 18, 24].map((h) => T0 + h * HOUR));

    // Episodes: OrchestratorStarted timestamps never go backwards and equal virtual time.
    const starts = history
      .filter((e) => e.EventType === EventType.OrchestratorStarted)
      .map((e) => Date.parse(e.Timestamp));
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(starts[0]).toBe(T0);

    // Event stream.
    const types = new Set(events.filter((e) => 'instanceId' in e && e.instanceId === id).map((e) => e.type));
    expect([...types]).toEqual(
      expect.arrayContaining([
        'instanceStarted',
        'activityStarted',
        'activityCompleted',
        'activityFailed',
        'timerSet',
        'timerFired',
        'eventRaised',
        'instanceCompleted',
      ]),
    );

    // Activities' context.log reached the logger.
    expect(
      logs.some((l) => l.category === 'Hello' && l.message === 'saying hello to Ada' && l.level === 'information'),
    ).toBe(true);
    expect(logs.some((l) => l.category === 'Flaky' && l.level === 'warning')).toBe(true);

    // Sub-orchestrations exist as instances of their own.
    expect(host.durable.getStatus('main-1-child')).toMatchObject({
      runtimeStatus: 'Completed',
      parentInstanceId: 'main-1',
    });
    expect(host.durable.list({ instanceIdPrefix: 'main-1:' })).toHaveLength(1);
  });

  it('throws the last error into the orchestrator when retries are exhausted (including the final zero-delay timer)', async () => {
    const before = state.alwaysFailsCalls;
    const start = clock.now();
    const id = await host.durable.startNew('RetryExhaust');
    const status = await host.durable.waitForInstance(id);
    expect(status.runtimeStatus).toBe('Completed');
    const out = status.output as { caught: string; at: string };
    expect(out.caught).toMatch(/^Activity function 'AlwaysFails' failed: always fails/);
    expect(state.alwaysFailsCalls - before).toBe(3);
    expect(Date.parse(out.at) - start).toBe(2000);
    const timers = host.durable.history(id).filter((e) => e.EventType === EventType.TimerCreated);
    expect(timers.map((e) => Date.parse(e.FireAt as string) - start)).toEqual([1000, 2000, 2000]);
  });

  it('lets the orchestrator catch an activity failure (Reason as the real extension writes it)', async () => {
    const id = await host.durable.startNew('CatchFailure');
    const status = await host.durable.waitForInstance(id);
    expect((status.output as { caught: string }).caught).toMatch(
      /^Activity function 'AlwaysFails' failed: always fails \n /,
    );
    const failed = host.durable.history(id).find((e) => e.EventType === EventType.TaskFailed);
    expect(failed).toMatchObject({
      Reason: "Activity function 'AlwaysFails' failed: always fails",
      Details: expect.stringContaining('always fails'),
    });
  });

  it('reports a failed sub-orchestration to its parent and as Failed itself', async () => {
    const id = await host.durable.startNew('ParentOfFailing', { instanceId: 'parent-of-failing' });
    const status = await host.durable.waitForInstance(id);
    expect((status.output as { caught: string }).caught).toMatch(
      /^Orchestrator function 'FailingChild' failed: child broke/,
    );
    expect(host.durable.getStatus('parent-of-failing-failing')).toMatchObject({
      runtimeStatus: 'Failed',
      output: expect.stringMatching(/^Orchestrator function 'FailingChild' failed: child broke/),
    });
  });

  it('races an external event against a timer: the event wins', async () => {
    const start = clock.now();
    const id = await host.durable.startNew('Race');
    await host.runUntilIdle({ advanceTime: false }); // waiting, time has not moved
    expect(host.durable.getStatus(id)?.runtimeStatus).toBe('Running');
    await host.advance(10 * 60_000);
    host.durable.raiseEvent(id, 'Approval', 'alice');
    const status = await host.durable.waitForInstance(id);
    expect(status.output).toEqual({
      outcome: 'approved',
      by: 'alice',
      at: new Date(start + 10 * 60_000).toISOString(),
    });
  });

  it('races an external event against a timer: the timer wins', async () => {
    const start = clock.now();
    const id = await host.durable.startNew('Race');
    const status = await host.durable.waitForInstance(id);
    expect(status.output).toEqual({ outcome: 'timeout', at: new Date(start + HOUR).toISOString() });
  });

  it('continues as new, carrying over events raised before the new execution started', async () => {
    const id = await host.durable.startNew('Counter', { instanceId: 'counter', input: 0 });
    const seen: string[] = [];
    host.events.on('instanceContinuedAsNew', (e) => 'instanceId' in e && e.instanceId === id && seen.push(e.type));
    host.durable.raiseEvent(id, 'tick', 1);
    host.durable.raiseEvent(id, 'tick', 2);
    host.durable.raiseEvent(id, 'tick', 3);
    const status = await host.durable.waitForInstance(id);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: { count: 3, lastTick: 3 }, input: 2 });
    expect(seen).toHaveLength(2);
    // The history is the last execution's only.
    const history = host.durable.history(id);
    expect(history.filter((e) => e.EventType === EventType.ExecutionStarted)).toHaveLength(1);
  });

  it('terminates a waiting instance', async () => {
    const id = await host.durable.startNew('Waiter');
    await host.runUntilIdle();
    expect(host.durable.getStatus(id)?.runtimeStatus).toBe('Running');
    await expect(host.durable.waitForInstance(id)).rejects.toThrow(/is Running and nothing else can run/);
    host.durable.terminate(id, 'no longer needed');
    const status = await host.durable.waitForInstance(id);
    expect(status).toMatchObject({ runtimeStatus: 'Terminated', output: 'no longer needed' });
    expect(() => host.durable.raiseEvent(id, 'never', 1)).toThrow(/Terminated/);
  });

  it('detects a non-deterministic orchestrator and names the instance, position and actions', async () => {
    const id = await host.durable.startNew('NonDeterministic', { instanceId: 'nd-1' });
    const status = await host.durable.waitForInstance(id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toMatch(/Non-deterministic orchestrator 'NonDeterministic' \(instance 'nd-1'/);
    expect(status.output).toMatch(
      /action #0 was CallActivity 'Hello'\(\{"orderId":"nd"\}\) in an earlier replay but is now CallActivity 'Charge'/,
    );
  });

  it('re-executes an activity whose result was lost (at-least-once switch)', async () => {
    const lost: HostEvent[] = [];
    host.events.on('activityResultLost', (e) => lost.push(e));
    const id = await host.durable.startNew('Idempotent', { input: { orderId: 'order-7' } });
    const status = await host.durable.waitForInstance(id);
    expect(status.output).toEqual({ orderId: 'order-7', charged: true });
    expect(state.chargeCalls['order-7']).toBe(2);
    expect(lost).toHaveLength(1);
    expect(host.durable.history(id).filter((e) => e.EventType === EventType.TaskCompleted)).toHaveLength(1);
  });

  it('shows statuses, history and input like the management API', async () => {
    const id = await host.durable.startNew('Child', { instanceId: 'status-1', input: 'x' });
    expect(host.durable.getStatus(id)?.runtimeStatus).toBe('Pending');
    await host.durable.waitForInstance(id);
    const s = host.durable.getStatus(id, { showHistory: true, showHistoryOutput: true, showInput: false });
    expect(s).toMatchObject({ runtimeStatus: 'Completed', input: null, output: { greeting: 'Hello x!' } });
    expect(s?.historyEvents?.map((e) => e.EventType)).toEqual([
      'ExecutionStarted',
      'TaskCompleted',
      'ExecutionCompleted',
    ]);
    expect(s?.historyEvents?.[1]).toMatchObject({ FunctionName: 'Hello', Result: 'Hello x!' });
  });
});

describe('local host: concurrency and time-skipping only when idle', () => {
  let host: LocalHost;
  let clock: VirtualClock;
  let state: FixtureState | undefined;

  beforeAll(async () => {
    clock = new VirtualClock(T0);
    await jest.isolateModulesAsync(async () => {
      host = await createLocalHost({
        clock,
        httpPort: 0,
        maxConcurrentActivities: 2,
        load: async () => {
          state = (await import('../fixtures/hostApp')).fixtureState;
        },
        env: { NIGHTLY_SCHEDULE: '0 0 2 * * *', NOTIFY_QUEUE: 'unused' },
        queueListeners: false,
        logger: () => undefined,
      });
    });
  });

  afterAll(async () => {
    await host?.close();
  });

  it('bounds activities across instances and does not move the clock while one is in flight', async () => {
    // Prepare: activities that block until the gate opens, and an instance waiting on a 1-hour timer.
    let open: () => void = () => undefined;
    const s = state as FixtureState;
    s.gate = new Promise<void>((resolve) => (open = resolve));
    const started: string[] = [];
    host.events.on('activityStarted', (e) => 'name' in e && e.name === 'Gate' && started.push(e.type));
    const ids = await Promise.all([1, 2, 3, 4, 5].map((n) => host.durable.startNew('Gated', { input: n })));
    const race = await host.durable.startNew('Race');

    // Act: ask for time-skipping while activities are blocked.
    const idle = host.runUntilIdle();
    for (let i = 0; i < 50 && started.length < 2; i++) await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    const clockWhileBlocked = clock.now();
    const startedWhileBlocked = started.length;
    open();
    await idle;

    // Assess
    expect(startedWhileBlocked).toBe(2);
    expect(clockWhileBlocked).toBe(T0);
    expect(s.gateMaxInFlight).toBe(2);
    for (const [i, id] of ids.entries())
      expect(host.durable.getStatus(id)).toMatchObject({ runtimeStatus: 'Completed', output: i + 1 });
    expect(host.durable.getStatus(race)).toMatchObject({ runtimeStatus: 'Completed', output: { outcome: 'timeout' } });
    expect(clock.now()).toBe(T0 + HOUR);
  });
});
