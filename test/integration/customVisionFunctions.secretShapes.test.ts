/**
 * Issue 25 item 9: a `modelUri` whose *path* holds a key- or SAS-shaped string. The message
 * is valid (its URL is in the backup container) but names no blob, so it is rejected at the
 * process stage — and recorded redacted, with its reason: never refused by the ledger's guard,
 * never retried, never in the poison queue. The notification key is built from validated,
 * redacted fields only, so `GET /api/customvision/rejected` and the logs never serve the
 * secret-shaped text.
 */
import type { HostEvent } from '../../dev/host';
import { QUEUE, expectNoSecret, queueDepth, useWorld } from './customVisionFunctionsHarness';

describe('Custom Vision notifications whose modelUri path holds a secret shape (issue 25 item 9)', () => {
  const w = useWorld();
  const P = '0f8fad5b-d9cb-469f-a165-70867728950e';
  const I = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
  const SECRETS = {
    semicolonSig: 'PathSemicolonSig0A1b2C3d4E5f',
    dotSig: 'PathDotSig9Z8y7X6w5V4u',
    accountKey: 'PathAccountKey7Q6r5S4t3U2v==',
    querySig: 'PathQuerySig1M2n3O4p5Q6r',
  };
  const NAMES = [
    `${P} - ${I}.ONNX;sig=${SECRETS.semicolonSig}`,
    `${P} - ${I}.ONNX.sig=${SECRETS.dotSig}`,
    `${P} - ${I}.ONNX;AccountKey=${SECRETS.accountKey}`,
    `${P} - ${I}.ONNX?sig=${SECRETS.querySig}`,
  ];

  it('each is recorded once, redacted, with its reason; none is retried or poisoned; nothing serves the secret', async () => {
    // Prepare
    await w.fresh();
    w.secrets.push(...Object.values(SECRETS));
    let failedInvocations = 0;
    const listener = (e: HostEvent): void => {
      const ev = e as HostEvent & { name?: string; ok?: boolean };
      if (ev.type === 'functionInvoked' && ev.name === 'customVisionNotifications' && ev.ok === false)
        failedInvocations += 1;
    };
    w.host.events.on('functionInvoked', listener);
    const logsBefore = w.logs.length;
    // Act
    try {
      for (const name of NAMES) {
        await w.host.queues.send(QUEUE, {
          version: '1.0',
          type: 'Export',
          Content: {
            projectId: P,
            iterationId: I,
            exportStatus: 'ExportCompleted',
            modelUri: `${w.azurite.blobEndpoint}/${w.backupContainer}/${encodeURIComponent(name)}`,
          },
        });
      }
      await w.host.runUntilIdle({ advanceTime: false });
    } finally {
      w.host.events.off('functionInvoked', listener);
    }
    // Assess
    expect(failedInvocations).toBe(0);
    expect(await queueDepth(w, QUEUE)).toBe(0);
    expect(await queueDepth(w, `${QUEUE}-poison`)).toBe(0);
    const rejected = await w.rejected().list();
    expect(rejected).toHaveLength(NAMES.length);
    for (const r of rejected) {
      expect(r.stage).toBe('process');
      expect(r.reason.code).toMatch(/\S/);
      expect(r.notificationKey).toMatch(new RegExp(`^Export/${P}/${I}/ExportCompleted/`));
      expect(r.notificationKey).toContain('[redacted]');
    }
    const served = await w.get('/api/customvision/rejected');
    expect(served.status).toBe(200);
    expectNoSecret(w, served.text, 'GET /api/customvision/rejected');
    expectNoSecret(w, JSON.stringify(rejected), 'the rejected records');
    expectNoSecret(
      w,
      w.logs
        .slice(logsBefore)
        .map((l) => l.message)
        .join('\n'),
      'logs',
    );
  });
});
