/**
 * Queue-triggered functions fed from Azurite by the local host, with the real trigger's
 * retry and poison semantics, on a virtual clock.
 */
import path from 'node:path';
import { useAzurite } from '../support/azurite';
import { VirtualClock } from '../../dev/clock';
import { createLocalHost, type LocalHost, type LogEntry } from '../../dev/host';

type FixtureState = (typeof import('../fixtures/hostApp'))['fixtureState'];

describe('local host: queue triggers on Azurite', () => {
  const azurite = useAzurite();

  describe('with the project host.json (messageEncoding none, maxDequeueCount 5)', () => {
    let host: LocalHost;
    let state: FixtureState;
    const logs: LogEntry[] = [];

    beforeAll(async () => {
      host = await createLocalHost({
        clock: new VirtualClock('2026-02-01T00:00:00Z'),
        httpPort: 0,
        hostJson: path.join(__dirname, '../../host.json'),
        storageConnectionString: azurite.connectionString,
        load: async () => {
          state = (await import('../fixtures/hostApp')).fixtureState;
        },
        env: { NIGHTLY_SCHEDULE: '0 0 2 * * *', NOTIFY_QUEUE: 'notifications', DR_TASK_HUB: 'LocalHub' },
        logger: (e) => logs.push(e),
      });
    });

    afterAll(async () => {
      await host?.close();
    });

    it('reads the task hub from host.json with %Setting% resolution', () => {
      expect(host.durable.clientData().taskHubName).toBe('LocalHub');
      expect(host.queues.names().sort()).toEqual(['notifications', 'start-requests']);
    });

    it('retries a failing message five times, then moves it unchanged to <queue>-poison; a good message is consumed once', async () => {
      // Prepare
      const bad = '{"bad":true,"n":1}';
      const good = '{"n":2}';
      const queue = host.queues.client('notifications');

      // Act
      await queue.sendMessage(bad);
      await queue.sendMessage(good);
      await queue.sendMessage('plain text');
      await host.runUntilIdle();

      // Assess
      const badDeliveries = state.queueSeen.filter((s) => (s.message as { bad?: boolean }).bad);
      expect(badDeliveries.map((s) => s.dequeueCount)).toEqual([1, 2, 3, 4, 5]);
      expect(new Set(badDeliveries.map((s) => s.id)).size).toBe(1);
      expect(state.queueSeen.filter((s) => (s.message as { n?: number }).n === 2)).toHaveLength(1);
      expect(state.queueSeen.filter((s) => s.message === 'plain text')).toHaveLength(1);

      const poison = await host.queues.client('notifications-poison').receiveMessages({ numberOfMessages: 32 });
      expect(poison.receivedMessageItems.map((m) => m.messageText)).toEqual([bad]);
      const left = await queue.peekMessages({ numberOfMessages: 32 });
      expect(left.peekedMessageItems).toHaveLength(0);
      expect(logs.some((l) => /reached MaxDequeueCount of 5/.test(l.message))).toBe(true);
    });

    it('survives a message nested 5 000 levels deep: it reaches the function, five failures send it to the poison queue', async () => {
      // Prepare: 25 KB of nesting (a queue message may hold 64 KB).
      const nested = (depth: number, leaf: string): string => `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
      const deepBad = `{"bad":true,"deep":${nested(5000, '1')}}`;
      const deepGood = `{"n":3,"deep":${nested(5000, '2')}}`;
      const queue = host.queues.client('notifications');
      const seenBefore = state.queueSeen.length;

      // Act
      await queue.sendMessage(deepBad);
      await queue.sendMessage(deepGood);
      await host.runUntilIdle();

      // Assess
      const seen = state.queueSeen.slice(seenBefore);
      const bad = seen.filter((s) => (s.message as { bad?: boolean }).bad);
      expect(bad.map((s) => s.dequeueCount)).toEqual([1, 2, 3, 4, 5]);
      let depth = 0;
      for (let v = (bad[0].message as { deep: unknown }).deep; typeof v === 'object' && v !== null; depth++)
        v = (v as { a: unknown }).a;
      expect(depth).toBe(5000);
      expect(seen.filter((s) => (s.message as { n?: number }).n === 3)).toHaveLength(1);
      const poison = await host.queues.client('notifications-poison').receiveMessages({ numberOfMessages: 32 });
      expect(poison.receivedMessageItems.map((m) => m.messageText)).toEqual([deepBad]);
      expect((await queue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems).toHaveLength(0);
      expect(logs.filter((l) => /Polling queue .* failed/.test(l.message))).toEqual([]);
    });

    it('gives df.app.client.storageQueue functions a working durable client', async () => {
      await host.queues.send('start-requests', { id: 'from-queue', name: 'queue' });
      const status = await host.durable.waitForInstance('from-queue');
      expect(status.output).toMatchObject({ greeting: 'Hello queue!' });
    });
  });

  describe('with the default base64 message encoding', () => {
    let host: LocalHost;
    let state: FixtureState | undefined;

    beforeAll(async () => {
      await jest.isolateModulesAsync(async () => {
        host = await createLocalHost({
          clock: new VirtualClock('2026-02-01T00:00:00Z'),
          httpPort: 0,
          storageConnectionString: azurite.connectionString,
          load: async () => {
            state = (await import('../fixtures/hostApp')).fixtureState;
          },
          env: { NIGHTLY_SCHEDULE: '0 0 2 * * *', NOTIFY_QUEUE: 'notifications-b64' },
          logger: () => undefined,
        });
      });
    });

    afterAll(async () => {
      await host?.close();
    });

    it('decodes base64 messages and sends text that is not base64 straight to the poison queue', async () => {
      await host.queues.send('notifications-b64', { hello: 'world' });
      await host.queues.client('notifications-b64').sendMessage('{"raw":"json"}');
      await host.runUntilIdle();
      expect(state?.queueSeen.map((s) => s.message)).toEqual([{ hello: 'world' }]);
      const poison = await host.queues.client('notifications-b64-poison').receiveMessages({ numberOfMessages: 32 });
      expect(poison.receivedMessageItems.map((m) => m.messageText)).toEqual(['{"raw":"json"}']);
    });
  });
});
