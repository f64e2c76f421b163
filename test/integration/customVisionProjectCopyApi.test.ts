/**
 * The project copy (ExportProject → ImportProject → GetProject → iterations → PublishIteration →
 * DeleteProject) between two emulated Custom Vision resources over loopback HTTP, with the rules
 * the emulator holds the client to: the token URL-encoded, Content-Length on the POST, the
 * project limit, `Failed` imports, tokens that expire, 429 with Retry-After, and no token in any
 * error text.
 */
import net from 'node:net';
import { inspect } from 'node:util';
import { VirtualClock } from '../../dev/clock';
import {
  TOKEN_LIFETIME_MS,
  estimatedImportTimeMs,
  DEFAULT_TRAINING_DURATION_MS,
  startCustomVisionEmulator,
  type CustomVisionEmulator,
} from '../../dev/emulators/customVision';
import { CustomVisionError } from '../../src/customVision/errors';
import { ProjectExportToken } from '../../src/customVision/projects';
import { CustomVisionTrainingClient } from '../../src/customVision/trainingClient';
import { rejection } from '../support/rejection';

const PREDICTION_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/cv-pred-dr';

describe('Custom Vision project copy API (two emulated resources + client)', () => {
  let clock: VirtualClock;
  let source: CustomVisionEmulator;
  let dr: CustomVisionEmulator;
  let src: CustomVisionTrainingClient;
  let dst: CustomVisionTrainingClient;

  beforeEach(async () => {
    clock = new VirtualClock('2026-05-01T00:00:00Z');
    source = await startCustomVisionEmulator({ clock, idSeed: 'src' });
    dr = await startCustomVisionEmulator({ clock, idSeed: 'dr', projectLimit: 3 });
    src = new CustomVisionTrainingClient({
      endpoint: source.endpoint,
      trainingKey: source.trainingKey,
      now: () => clock.now(),
    });
    dst = new CustomVisionTrainingClient({
      endpoint: dr.endpoint,
      trainingKey: dr.trainingKey,
      now: () => clock.now(),
    });
  });
  afterEach(async () => {
    await source.close();
    await dr.close();
  });

  it('export → import (Importing, then Succeeded after the estimate) → same counts → publish the matching iteration → delete', async () => {
    // Prepare
    const p = await source.createProject({
      name: 'parts',
      iterations: 2,
      images: 12,
      tags: 3,
      regions: 4,
      publishName: 'prod',
      notifications: false,
      backups: false,
    });
    // Act
    const exported = await src.exportProject(p.id);
    const imported = await dst.importProject(exported.token, 'parts [modeldr]');
    const during = await dst.getProject(imported.id);
    clock.advance(exported.estimatedImportTimeMs);
    const after = await dst.getProject(imported.id);
    // Assess
    expect(exported.counts).toEqual({ iterations: 2, images: 12, tags: 3, regions: 4 });
    expect(exported.estimatedImportTimeMs).toBe(estimatedImportTimeMs(12));
    expect([imported.status, during.status, after.status]).toEqual(['Importing', 'Importing', 'Succeeded']);
    expect(after.name).toBe('parts [modeldr]');
    expect(await dst.countImages(imported.id)).toBe(12);
    expect(await dst.countTags(imported.id)).toBe(3);
    const its = await dst.listIterations(imported.id);
    const srcIts = await src.listIterations(p.id);
    expect(its.map((i) => [i.name, i.trainedAt, i.status, i.publishName ?? ''])).toEqual(
      srcIts.map((i) => [i.name, i.trainedAt, 'Completed', '']),
    );
    expect(its.map((i) => i.id)).not.toEqual(srcIts.map((i) => i.id));
    const published = srcIts.find((i) => i.publishName === 'prod');
    const match = its.find((i) => i.name === published?.name) as { id: string };
    expect(await dst.publishIteration(imported.id, match.id, 'prod', PREDICTION_ID)).toBe('published');
    expect(await dst.publishIteration(imported.id, match.id, 'prod', PREDICTION_ID)).toBe('alreadyPublished');
    expect((await dst.listIterations(imported.id)).find((i) => i.id === match.id)).toMatchObject({
      publishName: 'prod',
      originalPublishResourceId: PREDICTION_ID,
    });
    expect(await dst.deleteProject(imported.id)).toBe('deleted');
    expect(await dst.deleteProject(imported.id)).toBe('notFound');
    // The token never prints
    expect(JSON.stringify(exported)).not.toContain('sig=');
    expect(inspect(exported)).not.toContain('sig=');
    expect(dr.requestLog.map((r) => r.path).join('\n')).not.toContain('sig=');
  });

  it('TrainProject on an import without iterations: Training, then Completed after the virtual delay; the refusals classified by code', async () => {
    // Prepare
    dr.faults.importWithoutIterations = true;
    const p = await source.createProject({ iterations: 1, images: 12, tags: 2, notifications: false, backups: false });
    const few = await source.createProject({ iterations: 1, images: 6, tags: 2, notifications: false, backups: false });
    const exported = await src.exportProject(p.id);
    const fewExported = await src.exportProject(few.id);
    const imported = await dst.importProject(exported.token, 'cones [modeldr]');
    const fewImported = await dst.importProject(fewExported.token, 'few [modeldr]');
    clock.advance(Math.max(exported.estimatedImportTimeMs, fewExported.estimatedImportTimeMs));
    expect(await dst.listIterations(imported.id)).toEqual([]);
    // Act
    const it = await dst.trainProject(imported.id);
    const again = await dst.trainProject(imported.id).catch((e: unknown) => e);
    const during = await dst.getIteration(imported.id, it.id);
    clock.advance(DEFAULT_TRAINING_DURATION_MS);
    const after = await dst.getIteration(imported.id, it.id);
    const notNeeded = await dst.trainProject(imported.id).catch((e: unknown) => e);
    const tooFew = await dst.trainProject(fewImported.id).catch((e: unknown) => e);
    // Assess
    expect([it.status, during.status, after.status]).toEqual(['Training', 'Training', 'Completed']);
    expect(after.trainedAt).toBeDefined();
    expect(again).toMatchObject({
      kind: 'permanent',
      reason: 'trainingInProgress',
      serviceCode: 'BadRequestTrainingAlreadyInProgress',
    });
    expect(notNeeded).toMatchObject({
      kind: 'permanent',
      reason: 'trainingNotNeeded',
      serviceCode: 'BadRequestTrainingNotNeeded',
    });
    expect(tooFew).toMatchObject({
      kind: 'permanent',
      reason: 'notEnoughImages',
      serviceCode: 'BadRequestNotEnoughImagesPerTag',
    });
    // Sent with Content-Length: 0 (the emulator answers 411 without it).
    expect(dr.requestLog.filter((r) => /\/train$/.test(r.path)).map((r) => r.status)).toEqual([200, 400, 400, 400]);
  });

  it('a token sent as it is (not URL-encoded) is "Invalid Token"; an import without Content-Length is 411', async () => {
    // Prepare
    const p = await source.createProject({ iterations: 1, notifications: false, backups: false });
    const { token } = await src.exportProject(p.id);
    const raw = token.reveal();
    // Act
    const unencoded = await fetch(`${dr.endpoint}/customvision/v3.3/training/projects/import?token=${raw}&name=x`, {
      method: 'POST',
      headers: { 'Training-Key': dr.trainingKey },
      body: '',
    });
    // A raw request: no Content-Length, no Transfer-Encoding (as curl -X POST without -d sends it).
    const noLength = await new Promise<string>((resolve, reject) => {
      const u = new URL(dr.endpoint);
      const socket = net.connect(Number(u.port), u.hostname, () => {
        socket.write(
          `POST /customvision/v3.3/training/projects/import?token=${encodeURIComponent(raw)}&name=x HTTP/1.1\r\nHost: ${u.host}\r\nTraining-Key: ${dr.trainingKey}\r\nConnection: close\r\n\r\n`,
        );
      });
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
      socket.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
      socket.on('error', reject);
    });
    // Assess
    expect(unencoded.status).toBe(400);
    expect(((await unencoded.json()) as { code: string }).code).toBe('BadRequestInvalidImportToken');
    expect(noLength).toMatch(/^HTTP\/1\.1 411/);
    expect(dr.projects.size).toBe(0);
  });

  it('tokens: reusable until they expire (24 h), then BadRequestInvalidImportToken — never in the error text', async () => {
    // Prepare
    const p = await source.createProject({ iterations: 1, notifications: false, backups: false });
    const { token } = await src.exportProject(p.id);
    // Act
    await dst.importProject(token, 'one');
    await dst.importProject(token, 'two');
    clock.advance(TOKEN_LIFETIME_MS);
    const e = await rejection(dst.importProject(token, 'three'), CustomVisionError);
    const forged = await rejection(
      dst.importProject(new ProjectExportToken('https://x.blob.core.windows.net/e?sig=abc'), 'f'),
      CustomVisionError,
    );
    // Assess
    expect([e.kind, e.reason, e.serviceCode]).toEqual([
      'permanent',
      'invalidImportToken',
      'BadRequestInvalidImportToken',
    ]);
    expect(forged.reason).toBe('invalidImportToken');
    expect(e.message).not.toContain(token.reveal().slice(0, 40));
    expect(JSON.stringify(e)).not.toContain('sig=');
  });

  it('the project limit: BadRequestExceedProjectLimit, a permanent failure named projectLimit', async () => {
    // Prepare
    const p = await source.createProject({ iterations: 1, notifications: false, backups: false });
    const { token } = await src.exportProject(p.id);
    for (const n of ['a', 'b', 'c']) await dst.importProject(token, n);
    // Act
    const e = await rejection(dst.importProject(token, 'd'), CustomVisionError);
    // Assess
    expect([e.kind, e.reason, e.serviceCode]).toEqual(['permanent', 'projectLimit', 'BadRequestExceedProjectLimit']);
  });

  it('a Failed import: status Failed with images and tags missing (by option)', async () => {
    // Prepare
    const p = await source.createProject({ iterations: 1, images: 10, tags: 2, notifications: false, backups: false });
    dr.faults.failImports = 1;
    const exported = await src.exportProject(p.id);
    // Act
    const imported = await dst.importProject(exported.token, 'x');
    clock.advance(exported.estimatedImportTimeMs);
    // Assess
    expect((await dst.getProject(imported.id)).status).toBe('Failed');
    expect(await dst.countImages(imported.id)).toBe(5);
    expect(await dst.countTags(imported.id)).toBe(1);
  });

  it('BadRequestExportWhileTraining (transient), ForbiddenDRModeEnabled (transient, 15 min), 429 with Retry-After', async () => {
    // Prepare
    const p = await source.createProject({ iterations: 1, notifications: false, backups: false });
    const training = source.addIteration(p.id, { status: 'Training' });
    // Act
    const whileTraining = await rejection(src.exportProject(p.id), CustomVisionError);
    training.status = 'Completed';
    source.faults.drMode = true;
    const drMode = await rejection(src.exportProject(p.id), CustomVisionError);
    source.faults.drMode = false;
    source.faults.inject({ status: 429, retryAfterSeconds: 7, pathIncludes: '/export' });
    const throttled = await rejection(src.exportProject(p.id), CustomVisionError);
    // Assess
    expect([whileTraining.kind, whileTraining.reason]).toEqual(['transient', 'iterationTraining']);
    expect([drMode.kind, drMode.reason, drMode.retryAfterMs]).toEqual(['transient', 'projectReadOnly', 15 * 60_000]);
    expect([throttled.kind, throttled.retryAfterMs]).toEqual(['throttled', 7000]);
    expect(throttled.message).toContain('ExportProject');
  });
});
