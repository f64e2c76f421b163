/**
 * Custom Vision project DR end to end: the app in the local host on a virtual clock, Azurite,
 * a source Custom Vision emulator and one emulator per DR region (the export token of one
 * imports into the others). The at-least-once switch re-runs every new activity after its side
 * effect, throughout this file.
 */
import { cvDrInstanceId, CV_DR_NAME_MARKER, type CvProjectCopyOutput } from '../../src/customVisionProjectDr/contracts';
import { startCustomVisionEmulator, type CustomVisionEmulator } from '../../dev/emulators/customVision';
import type { CvProjectReplicaRecord } from '../../src/ledger/customVisionProjects';
import { QUEUE, expectNoSecret, ledgerSnapshot, useWorld } from './customVisionFunctionsHarness';

const PRED = (name: string): string =>
  `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/${name}`;
const REGIONS = ['eastus', 'westeurope'] as const;
type Region = (typeof REGIONS)[number];

const NEW_ACTIVITIES = ['cvDrBegin', 'cvDrExportImport', 'cvDrCheckImport', 'cvDrPublish', 'cvDrFinish'];
/** The activities of CV_DR_TRAIN_MISSING (training in the DR region): under the same switch. */
const TRAIN_ACTIVITIES = ['cvDrTrain', 'cvDrCheckTraining'];
const TRAINING_MS = 10 * 60_000;

jest.setTimeout(240_000);

describe('Custom Vision project DR (local host + Azurite + emulators)', () => {
  // The at-least-once switch: every new activity of a copy to eastus runs twice (its first result
  // dropped after its side effects); westeurope runs once, for the figures of one copy.
  const lost = new Set<string>();
  const onceMore = (name: string, input: unknown): boolean => {
    const key = `${name}:${JSON.stringify(input)}`;
    if (
      ![...NEW_ACTIVITIES, ...TRAIN_ACTIVITIES].includes(name) ||
      (input as { region?: string }).region !== 'eastus' ||
      lost.has(key)
    )
      return false;
    lost.add(key);
    return true;
  };
  const w = useWorld({ atLeastOnce: [{ activity: onceMore, count: 1_000_000 }] });
  const dr = {} as Record<Region, CustomVisionEmulator>;

  afterAll(async () => {
    for (const r of REGIONS) await dr[r]?.close();
  });

  /** A fresh source emulator, DR emulators and settings (every project: `*`); `select` narrows to one. */
  async function configure(
    opts: {
      keep?: number;
      limit?: Partial<Record<Region, number>>;
      /** `CV_DR_TRAIN_MISSING` (unset when absent). */
      trainMissing?: boolean;
      /** The DR emulators import projects without their trained iterations. */
      importWithoutIterations?: boolean;
    } = {},
  ): Promise<void> {
    await w.fresh({ platforms: 'ONNX' });
    for (const r of REGIONS) {
      await dr[r]?.close();
      dr[r] = await startCustomVisionEmulator({
        clock: w.clock,
        idSeed: `${r}-${w.clock.now()}`,
        projectLimit: opts.limit?.[r] ?? 100,
        trainingDurationMs: TRAINING_MS,
      });
      dr[r].faults.importWithoutIterations = opts.importWithoutIterations ?? false;
      w.secrets.push(dr[r].trainingKey);
    }
    w.setSettings({
      CV_DR_TARGETS: JSON.stringify(
        REGIONS.map((r) => ({
          region: r,
          endpoint: dr[r].endpoint,
          keySetting: `CV_DR_KEY_${r.toUpperCase()}`,
          predictionResourceId: PRED(`pred-${r}`),
          predictionEndpoint: `https://pred-${r}.cognitiveservices.azure.com`,
        })),
      ),
      CV_DR_KEY_EASTUS: dr.eastus.trainingKey,
      CV_DR_KEY_WESTEUROPE: dr.westeurope.trainingKey,
      CV_DR_PROJECTS: '*',
      CV_DR_KEEP: String(opts.keep ?? 2),
      CV_DR_TRAIN_MISSING: opts.trainMissing === undefined ? undefined : String(opts.trainMissing),
    });
  }

  function select(projectId: string): void {
    w.setSettings({ CV_DR_PROJECTS: projectId });
  }

  async function record(projectId: string, region: Region): Promise<CvProjectReplicaRecord | undefined> {
    return (await w.app().customVisionDr.replicas()).get(projectId, region);
  }

  function drProjects(region: Region): { id: string; name: string; status: string }[] {
    return [...dr[region].projects.values()].map((p) => ({ id: p.id, name: p.name, status: p.status }));
  }

  async function output(projectId: string, region: Region): Promise<CvProjectCopyOutput> {
    const s = await w.host.durable.waitForInstance(cvDrInstanceId(projectId, region));
    expect(s.runtimeStatus).toBe('Completed');
    return s.output as CvProjectCopyOutput;
  }

  it('a training notification → an imported, verified, published project in each DR region, recorded and reported', async () => {
    // Prepare
    await configure();
    const p = await w.emu.createProject({
      name: 'parts',
      iterations: 1,
      images: 10,
      tags: 2,
      regions: 3,
      publishName: 'prod',
    });
    select(p.id);
    await w.host.runUntilIdle();
    const it = await w.emu.trainIteration(p.id);
    w.emu.publish(p.id, it.id, 'prod');
    const sourceBefore = w.emu.requestLog.length;
    const drBefore = { eastus: dr.eastus.requestLog.length, westeurope: dr.westeurope.requestLog.length };
    // Act
    await w.host.runUntilIdle();
    // Assess
    for (const r of REGIONS) {
      const out = await output(p.id, r);
      expect(out.state).toBe('ready');
      const [copy] = drProjects(r);
      expect(drProjects(r)).toHaveLength(1);
      expect(copy.name).toContain(`parts ${CV_DR_NAME_MARKER} ${p.id}`);
      expect(copy.status).toBe('Succeeded');
      const its = [...(dr[r].projects.get(copy.id)?.iterations.values() ?? [])];
      const published = its.filter((i) => i.publishName !== '');
      expect(published.map((i) => [i.name, i.trainedAt, i.publishName, i.originalPublishResourceId])).toEqual([
        [it.name, it.trainedAt, 'prod', PRED(`pred-${r}`)],
      ]);
      const rec = await record(p.id, r);
      expect(rec).toMatchObject({
        state: 'ready',
        current: {
          drProjectId: copy.id,
          iterationId: published[0]?.id,
          iterationName: it.name,
          iterationOrigin: 'imported',
          publishName: 'prod',
          expected: { iterations: 2, images: 10, tags: 2, regions: 3 },
          actual: { iterations: 2, images: 10, tags: 2, regions: 3 },
          sourceIterationId: it.id,
        },
        copies: [{ drProjectId: copy.id, status: 'ready' }],
      });
      expect(rec?.attempt).toBeUndefined();
      // Figures for the report: virtual copy time and requests per copy.
      const seconds = (Date.parse(out.finishedAt) - Date.parse(out.startedAt)) / 1000;

      console.log(`copy to ${r}: ${seconds} s virtual, ${dr[r].requestLog.length - drBefore[r]} DR requests`);
    }

    console.log(`source requests (both regions, with the ONNX backup): ${w.emu.requestLog.length - sourceBefore}`);

    const list = await w.get('/api/customvision/projects');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      enabled: true,
      summary: { projects: 2, ready: 2, failed: 0, unverified: 0 },
      projects: REGIONS.map((r) => ({
        projectId: p.id,
        region: r,
        state: 'ready',
        publishName: 'prod',
        predictionResourceId: PRED(`pred-${r}`),
      })),
    });
    const replicas = await w.get(`/api/customvision/projects/${p.id.toUpperCase()}/replicas`);
    expect(replicas.body).toEqual({
      projectId: p.id,
      replicas: REGIONS.map((r) => ({
        region: r,
        state: 'ready',
        trainingEndpoint: dr[r].endpoint,
        predictionEndpoint: `https://pred-${r}.cognitiveservices.azure.com`,
        predictionResourceId: PRED(`pred-${r}`),
        projectId: drProjects(r)[0]?.id,
        iterationId: expect.any(String),
        iterationOrigin: 'imported',
        publishName: 'prod',
        lastVerifiedAt: expect.any(String),
      })),
    });
    expect((await w.get('/api/customvision/projects/not-a-guid/replicas')).status).toBe(400);
    expect((await w.get('/api/customvision/projects/00000000-0000-4000-8000-000000000000/replicas')).status).toBe(404);
    // The at-least-once switch re-ran each new activity of the eastus copy: still one DR project there (above).
    const rerun = w.host.events.log
      .filter((e) => e.type === 'activityResultLost')
      .map((e) => (e as { name?: string }).name);
    expect(new Set(rerun)).toEqual(new Set(NEW_ACTIVITIES));
  });

  it('an import that ends Failed → failed with the reason and counts, the failed DR project deleted; the next attempt copies', async () => {
    // Prepare
    await configure();
    const p = await w.emu.createProject({ iterations: 1, images: 10, tags: 2, publishName: 'prod' });
    select(p.id);
    await w.host.runUntilIdle();
    dr.eastus.faults.failImports = 1;
    // Act
    await w.emu.trainIteration(p.id);
    await w.host.runUntilIdle();
    // Assess
    expect((await output(p.id, 'eastus')).state).toBe('failed');
    const failed = await record(p.id, 'eastus');
    expect(failed).toMatchObject({
      state: 'failed',
      lastError: {
        code: 'ImportFailed',
        expected: { images: 10, tags: 2, iterations: 2 },
        actual: { images: 5, tags: 1, iterations: 2 },
      },
    });
    expect(failed?.copies).toEqual([expect.objectContaining({ status: 'failed', deletedAt: expect.any(String) })]);
    expect(drProjects('eastus')).toEqual([]);
    expect((await record(p.id, 'westeurope'))?.state).toBe('ready');
    const rows = (await w.get('/api/customvision/projects')).body as {
      projects: { region: string; state: string; error?: { code: string } }[];
    };
    expect(rows.projects.find((r) => r.region === 'eastus')).toMatchObject({
      state: 'failed',
      error: { code: 'ImportFailed' },
    });

    // The schedule retries: east copied, west verified again without a new import.
    await w.host.timers.fire('customVisionDrSchedule');
    await w.host.runUntilIdle();
    expect((await output(p.id, 'eastus')).state).toBe('ready');
    expect((await output(p.id, 'westeurope')).state).toBe('upToDate');
    expect(drProjects('eastus')).toHaveLength(1);
    expect(drProjects('westeurope')).toHaveLength(1);
    expect((await record(p.id, 'eastus'))?.lastError).toBeUndefined();
    const healed = (await w.get('/api/health')).body as { reasons: string[]; customVisionDr?: { health: string } };
    expect(healed.reasons.filter((r) => r.startsWith('custom vision DR'))).toEqual([]);
    expect(healed.customVisionDr?.health).toBe('healthy');
  });

  it('BadRequestExportWhileTraining and ForbiddenDRModeEnabled are waited out on durable timers', async () => {
    // Prepare
    await configure();
    const p = await w.emu.createProject({ iterations: 1, publishName: 'prod' });
    select(p.id);
    await w.host.runUntilIdle();
    w.emu.faults.inject({
      status: 400,
      code: 'BadRequestExportWhileTraining',
      method: 'GET',
      pathIncludes: `${p.id}/export`,
      times: 2,
    });
    dr.eastus.faults.inject({
      status: 403,
      code: 'ForbiddenDRModeEnabled',
      method: 'POST',
      pathIncludes: '/projects/import',
      times: 2,
    });
    const t0 = w.clock.now();
    // Act
    await w.emu.trainIteration(p.id);
    await w.host.runUntilIdle();
    // Assess
    const east = await output(p.id, 'eastus');
    expect(east.state).toBe('ready');
    // Each fault answers twice: the activity and its at-least-once re-run both see it, so the result is
    // not lost. Imported in eastus only after the 15 min read-only wait (and the 5 min training wait of
    // whichever region met the source's fault first).
    const created = (await record(p.id, 'eastus'))?.copies.map((c) => Date.parse(c.createdAt)) ?? [];
    expect(created).toHaveLength(1);
    expect((created[0] ?? 0) - t0).toBeGreaterThanOrEqual(15 * 60_000);
    expect(w.emu.requestLog.filter((r) => r.fault === '400')).toHaveLength(2);
    expect((await output(p.id, 'westeurope')).state).toBe('ready');
    expect(drProjects('eastus')).toHaveLength(1);
    expect(dr.eastus.requestLog.filter((r) => r.fault === '403')).toHaveLength(2);
  });

  it('retention keeps CV_DR_KEEP copies and the resource under its limit; at the limit, a clear failure naming it', async () => {
    // Prepare
    await configure({ keep: 2, limit: { eastus: 3 } });
    const p = await w.emu.createProject({ iterations: 1, publishName: 'prod' });
    select(p.id);
    await w.host.runUntilIdle();
    const sizes: number[] = [];
    // Act: four trainings, one after another
    for (let i = 0; i < 4; i++) {
      const it = await w.emu.trainIteration(p.id);
      w.emu.publish(p.id, it.id, 'prod');
      await w.host.runUntilIdle();
      sizes.push(dr.eastus.projects.size);
      expect((await output(p.id, 'eastus')).state).toBe('ready');
    }
    // Assess
    expect(sizes).toEqual([1, 2, 2, 2]);
    const rec = await record(p.id, 'eastus');
    expect(rec?.copies.filter((c) => c.status === 'retired')).toHaveLength(2);
    expect(
      rec?.copies
        .filter((c) => c.status === 'ready' && !c.deletedAt)
        .map((c) => c.drProjectId)
        .sort(),
    ).toEqual(
      drProjects('eastus')
        .map((x) => x.id)
        .sort(),
    );

    // Someone else's project fills the resource: the next copy fails naming the limit; theirs is left alone.
    const foreign = await dr.eastus.createProject({ name: 'not ours', notifications: false, backups: false });
    await w.emu.trainIteration(p.id);
    await w.host.runUntilIdle();
    const out = await output(p.id, 'eastus');
    expect(out).toMatchObject({ state: 'failed', code: 'BadRequestExceedProjectLimit' });
    expect(out.message).toMatch(/project limit .*CV_DR_KEEP/);
    expect(dr.eastus.projects.has(foreign.id)).toBe(true);
    expect((await record(p.id, 'eastus'))?.current?.drProjectId).toBeDefined();
    const row = (
      (await w.get('/api/customvision/projects')).body as {
        projects: { region: string; state: string; detail?: string }[];
      }
    ).projects.find((r) => r.region === 'eastus');
    expect(row).toMatchObject({ state: 'failed' });
    expect(row?.detail).toMatch(/BadRequestExceedProjectLimit.*previous copy .* is still there/);
  });

  it('the schedule repairs a copy whose notification was lost', async () => {
    // Prepare
    await configure();
    const p = await w.emu.createProject({ iterations: 1, publishName: 'prod' });
    await w.host.timers.fire('customVisionDrSchedule');
    await w.host.runUntilIdle();
    const before = await record(p.id, 'eastus');
    w.emu.faults.dropNotifications = 1;
    const it = await w.emu.trainIteration(p.id);
    await w.host.runUntilIdle();
    expect((await record(p.id, 'eastus'))?.current?.sourceIterationId).toBe(before?.current?.sourceIterationId);
    // Act
    await w.host.timers.fire('customVisionDrSchedule');
    await w.host.runUntilIdle();
    // Assess
    for (const r of REGIONS) {
      expect((await output(p.id, r)).state).toBe('ready');
      expect((await record(p.id, r))?.current?.sourceIterationId).toBe(it.id);
    }
    // `*` never copies a DR copy again (the emulated DR resources are separate; the source lists only its own).
    expect(
      ((await w.get('/api/customvision/projects')).body as { projects: unknown[] }).projects.length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('concurrent notifications for one project converge to one copy per region', async () => {
    // Prepare
    await configure();
    const p = await w.emu.createProject({ iterations: 1, publishName: 'prod' });
    select(p.id);
    await w.host.runUntilIdle();
    // Act: two trainings and a duplicate message, all on the queue at once
    const a = await w.emu.trainIteration(p.id);
    const b = await w.emu.trainIteration(p.id);
    await w.host.queues.send(QUEUE, {
      version: '1.0',
      type: 'Training',
      Content: { projectId: p.id, iterationId: b.id, trainingStatus: 'TrainingCompleted' },
    });
    await w.host.runUntilIdle();
    // Assess
    for (const r of REGIONS) {
      expect(drProjects(r)).toHaveLength(1);
      expect((await record(p.id, r))?.current?.sourceIterationId).toBe(b.id);
    }
    expect(a.id).not.toBe(b.id);
  });

  /** The TrainProject requests a DR emulator answered (any status). */
  function trainRequests(region: Region): { status: number; fault?: string }[] {
    return dr[region].requestLog.filter((r) => r.method === 'POST' && /\/train$/i.test(r.path));
  }

  it('CV_DR_TRAIN_MISSING=true: an import without trained iterations is trained in the DR region once, published, recorded as trainedInDr', async () => {
    // Prepare
    await configure({ trainMissing: true, importWithoutIterations: true });
    const p = await w.emu.createProject({ name: 'cones', iterations: 1, images: 12, tags: 2, publishName: 'prod' });
    select(p.id);
    await w.host.runUntilIdle();
    const lostBefore = w.host.events.log.length;
    // A throttled TrainProject (429, Retry-After) in westeurope is retried, not a second training.
    dr.westeurope.faults.inject({
      status: 429,
      retryAfterSeconds: 2,
      method: 'POST',
      pathIncludes: '/train',
      times: 1,
    });
    // Act
    const it = await w.emu.trainIteration(p.id);
    w.emu.publish(p.id, it.id, 'prod');
    await w.host.runUntilIdle();
    // Assess
    for (const r of REGIONS) {
      const out = await output(p.id, r);
      expect(out).toMatchObject({ state: 'ready' });
      expect(Date.parse(out.finishedAt) - Date.parse(out.startedAt)).toBeGreaterThanOrEqual(TRAINING_MS);
      // One training per region, though eastus ran every activity twice.
      expect(trainRequests(r).filter((x) => x.status === 200)).toHaveLength(1);
      const [copy] = drProjects(r);
      expect(drProjects(r)).toHaveLength(1);
      const its = [...(dr[r].projects.get(copy.id)?.iterations.values() ?? [])];
      expect(its.map((i) => [i.status, i.publishName, i.originalPublishResourceId])).toEqual([
        ['Completed', 'prod', PRED(`pred-${r}`)],
      ]);
      const rec = await record(p.id, r);
      expect(rec).toMatchObject({
        state: 'ready',
        current: {
          drProjectId: copy.id,
          iterationId: its[0]?.id,
          iterationOrigin: 'trainedInDr',
          publishName: 'prod',
          sourceIterationId: it.id,
          // As read from the DR project after the import: no trained iteration came with it.
          actual: { iterations: 0, images: 12, tags: 2 },
        },
      });
    }
    expect(trainRequests('westeurope').map((x) => x.status)).toEqual([429, 200]);
    const list = (await w.get('/api/customvision/projects')).body as { projects: unknown[] };
    expect(list.projects).toEqual(
      REGIONS.map((r) => expect.objectContaining({ region: r, state: 'ready', iterationOrigin: 'trainedInDr' })),
    );
    const replicas = (await w.get(`/api/customvision/projects/${p.id}/replicas`)).body as { replicas: unknown[] };
    expect(replicas.replicas).toEqual(
      REGIONS.map((r) => expect.objectContaining({ region: r, iterationOrigin: 'trainedInDr', publishName: 'prod' })),
    );
    const rerun = w.host.events.log
      .slice(lostBefore)
      .filter((e) => e.type === 'activityResultLost')
      .map((e) => (e as { name?: string }).name);
    expect(rerun).toEqual(expect.arrayContaining(TRAIN_ACTIVITIES));

    // The next notification with nothing new: up to date, no second training.
    await w.host.queues.send(QUEUE, {
      version: '1.0',
      type: 'Training',
      Content: { projectId: p.id, iterationId: it.id, trainingStatus: 'TrainingCompleted' },
    });
    await w.host.runUntilIdle();
    for (const r of REGIONS) {
      expect((await output(p.id, r)).state).toBe('upToDate');
      expect(trainRequests(r).filter((x) => x.status === 200)).toHaveLength(1);
    }
  });

  it('CV_DR_TRAIN_MISSING unset: an import without trained iterations fails, named, and nothing is trained', async () => {
    // Prepare
    await configure({ importWithoutIterations: true });
    const p = await w.emu.createProject({ iterations: 1, images: 12, tags: 2, publishName: 'prod' });
    select(p.id);
    await w.host.runUntilIdle();
    // Act
    await w.emu.trainIteration(p.id);
    await w.host.runUntilIdle();
    // Assess
    for (const r of REGIONS) {
      expect(await output(p.id, r)).toMatchObject({ state: 'failed', code: 'CountMismatch' });
      expect((await record(p.id, r))?.lastError?.message).toMatch(/iterations 0 of 2/);
      expect(trainRequests(r)).toEqual([]);
      expect(drProjects(r)).toEqual([]);
    }
  });

  it('CV_DR_TRAIN_MISSING=true: a training that ends Failed, and too few images per tag, are failed copies with the reason', async () => {
    // Prepare
    await configure({ trainMissing: true, importWithoutIterations: true });
    const p = await w.emu.createProject({ iterations: 1, images: 12, tags: 2, publishName: 'prod' });
    const few = await w.emu.createProject({ iterations: 1, images: 6, tags: 2, publishName: 'prod' });
    w.setSettings({ CV_DR_PROJECTS: `${p.id},${few.id}` });
    await w.host.runUntilIdle();
    dr.eastus.faults.failTrainings = true;
    // Act
    await w.emu.trainIteration(p.id);
    await w.emu.trainIteration(few.id);
    await w.host.runUntilIdle();
    // Assess
    const failedTraining = await output(p.id, 'eastus');
    expect(failedTraining).toMatchObject({ state: 'failed', code: 'TrainingFailed' });
    expect(failedTraining.message).toMatch(/training in eastus ended Failed/);
    expect(trainRequests('eastus').filter((x) => x.status === 200)).toHaveLength(1);
    expect((await output(p.id, 'westeurope')).state).toBe('ready');
    for (const r of REGIONS) {
      const out = await output(few.id, r);
      expect(out).toMatchObject({ state: 'failed', code: 'BadRequestNotEnoughImagesPerTag' });
      expect(out.message).toMatch(/cannot be trained: not enough images per tag/);
    }
    // Nothing half-made stays: the failed copies' DR projects are deleted.
    expect(drProjects('eastus')).toEqual([]);
    expect(drProjects('westeurope').map((x) => x.name)).toEqual([expect.stringContaining(p.id)]);
  });

  it('the routing document and GET /api/routing carry customVisionProjects: per project and DR region, what to call', async () => {
    // Prepare
    await configure();
    const p = await w.emu.createProject({ iterations: 1, publishName: 'prod' });
    select(p.id);
    await w.host.runUntilIdle();
    // Act
    await w.emu.trainIteration(p.id);
    await w.host.runUntilIdle();
    // Assess
    const expected = [
      {
        projectId: p.id,
        replicas: REGIONS.map((r) =>
          expect.objectContaining({
            region: r,
            state: 'ready',
            predictionEndpoint: `https://pred-${r}.cognitiveservices.azure.com`,
            predictionResourceId: PRED(`pred-${r}`),
            projectId: drProjects(r)[0]?.id,
            publishName: 'prod',
            iterationOrigin: 'imported',
          }),
        ),
      },
    ];
    const routing = await w.get('/api/routing');
    expect(routing.status).toBe(200);
    expect((routing.body as { customVisionProjects?: unknown }).customVisionProjects).toEqual(expected);
    // The published document (routing/current.json): published again by the copy that made a new DR project.
    const published = await (await w.app().replication.ledger()).routing.get();
    expect(published?.document.cause).toMatch(/^customVision:cvdr-/);
    expect(published?.document.customVisionProjects).toEqual(expected);
    expectNoSecret(w, routing.text, '/api/routing');
    expectNoSecret(w, JSON.stringify(published), 'routing/current.json');

    // Project DR not configured: no section.
    const saved = { CV_DR_TARGETS: process.env.CV_DR_TARGETS, CV_DR_PROJECTS: process.env.CV_DR_PROJECTS };
    w.setSettings({ CV_DR_TARGETS: undefined, CV_DR_PROJECTS: undefined });
    expect((await w.get('/api/routing')).body).not.toHaveProperty('customVisionProjects');
    w.setSettings(saved);
  });

  it('no token, key or SAS in history, logs, records or responses', async () => {
    const ledger = await ledgerSnapshot(w, { all: true });
    expect([...ledger.keys()].some((k) => k.includes('/customvision/dr-projects/'))).toBe(true);
    for (const [name, v] of ledger) expectNoSecret(w, v.text, `ledger blob ${name}`);
    expectNoSecret(w, w.logs.map((l) => l.message).join('\n'), 'host logs');
    const drInstances = w.host.durable.list().filter((s) => s.instanceId.startsWith('cvdr-'));
    expect(drInstances.length).toBeGreaterThan(0);
    for (const s of drInstances) {
      const text =
        JSON.stringify(
          w.host.durable.getStatus(s.instanceId, { showHistory: true, showHistoryOutput: true, showInput: true }),
        ) + JSON.stringify(w.host.durable.history(s.instanceId));
      expectNoSecret(w, text, `instance ${s.instanceId}`);
      expect(text).not.toMatch(/blob\.core\.windows\.net\/exports/);
    }
    for (const path of ['/api/customvision/projects', '/api/routing'])
      expectNoSecret(w, (await w.get(path)).text, path);
  });
});
