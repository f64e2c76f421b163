import { parseReplicationRequest } from '../../src/http/replicationRequest';
import {
  DEFAULT_COPY_POLICY,
  batchLayout,
  chunk,
  copyInstanceId,
  nextPollDelayMs,
  retryDelayMs,
} from '../../src/replication/policy';

describe('nextPollDelayMs', () => {
  it('starts near the documented 1 s and grows', () => {
    const delays = [0, 1, 2, 3].map((n) => nextPollDelayMs(DEFAULT_COPY_POLICY, n, 0));
    expect(delays[0]).toBe(1000);
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(delays[3]).toBeGreaterThan(delays[0]);
  });

  it('caps young copies at pollYoungCapMs and older ones at pollMaxMs', () => {
    expect(nextPollDelayMs(DEFAULT_COPY_POLICY, 50, 10_000)).toBe(DEFAULT_COPY_POLICY.pollYoungCapMs);
    expect(nextPollDelayMs(DEFAULT_COPY_POLICY, 50, DEFAULT_COPY_POLICY.youngForMs)).toBe(
      DEFAULT_COPY_POLICY.pollMaxMs,
    );
  });

  it('honours a longer Retry-After, never a shorter one', () => {
    expect(nextPollDelayMs(DEFAULT_COPY_POLICY, 0, 0, 30_000)).toBe(30_000);
    expect(nextPollDelayMs(DEFAULT_COPY_POLICY, 5, 0, 10)).toBeGreaterThan(10);
  });

  it('notices a copy of 5–25 s within 5 s using at most 8 polls', () => {
    for (let copyMs = 5_000; copyMs <= 25_000; copyMs += 500) {
      let t = 0;
      let polls = 0;
      while (t < copyMs) {
        t += nextPollDelayMs(DEFAULT_COPY_POLICY, polls, t);
        polls += 1;
      }
      expect(t - copyMs).toBeLessThanOrEqual(5_000);
      expect(polls).toBeLessThanOrEqual(9);
    }
  });
});

describe('retryDelayMs', () => {
  it.each([
    [1, undefined, 5_000],
    [2, undefined, 10_000],
    [3, undefined, 20_000],
    [1, 60_000, 60_000],
    [20, undefined, 300_000],
  ])('attempt %p with Retry-After %p waits %p ms', (attempt, retryAfter, expected) => {
    expect(retryDelayMs(DEFAULT_COPY_POLICY, attempt, retryAfter)).toBe(expected);
  });
});

describe('batching', () => {
  it('chunks without losing or reordering items', () => {
    const items = Array.from({ length: 103 }, (_, i) => i);
    const chunks = chunk(items, 50);
    expect(chunks.map((c) => c.length)).toEqual([50, 50, 3]);
    expect(chunks.flat()).toEqual(items);
    expect(() => chunk(items, 0)).toThrow(RangeError);
  });

  it.each([
    [10, 4, 50, { batches: 1, concurrentBatches: 1, perBatch: 4 }],
    [3000, 4, 50, { batches: 60, concurrentBatches: 2, perBatch: 2 }],
    [3000, 1, 50, { batches: 60, concurrentBatches: 1, perBatch: 1 }],
    [3000, 100, 50, { batches: 60, concurrentBatches: 2, perBatch: 50 }],
    [3000, 99, 50, { batches: 60, concurrentBatches: 3, perBatch: 33 }],
    [3000, 128, 50, { batches: 60, concurrentBatches: 2, perBatch: 50 }],
    [3000, 256, 50, { batches: 60, concurrentBatches: 5, perBatch: 50 }],
    [120, 256, 50, { batches: 3, concurrentBatches: 3, perBatch: 50 }],
    [60, 100, 50, { batches: 2, concurrentBatches: 2, perBatch: 50 }],
    [20, 100, 50, { batches: 1, concurrentBatches: 1, perBatch: 50 }],
  ])('%p pairs, %p in flight, batches of %p → %p', (pairs, maxParallel, batchSize, expected) => {
    const layout = batchLayout(pairs, maxParallel, batchSize);
    expect(layout).toEqual(expected);
    expect(layout.concurrentBatches * layout.perBatch).toBeLessThanOrEqual(maxParallel);
  });

  it('names copy instances deterministically per run, region and model', () => {
    expect(copyInstanceId('run-1', { sourceModelId: 'm1', region: 'eastus' })).toBe('run-1:copy:eastus:m1');
  });
});

describe('parseReplicationRequest', () => {
  const regions = ['eastus', 'westeurope'];

  it.each([
    ['', { dryRun: false }],
    ['{}', { dryRun: false }],
    ['{"dryRun":true}', { dryRun: true }],
    ['{"models":["a","a","b"],"regions":["EastUS"]}', { models: ['a', 'b'], regions: ['eastus'], dryRun: false }],
  ])('accepts %p', (body, expected) => {
    expect(parseReplicationRequest(body, regions)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['{', 'body: not valid JSON'],
    ['[]', 'body: must be a JSON object'],
    ['{"model":["a"]}', 'model: unknown field'],
    ['{"models":"a"}', 'models: must be an array of strings'],
    ['{"models":[]}', 'models: must not be empty'],
    ['{"models":[1]}', 'models[0]: must be a non-empty string'],
    ['{"models":["../x"]}', "models[0]: '../x' is not a model id"],
    ['{"regions":["mars"]}', "regions[0]: 'mars' is not a configured target region (configured: eastus, westeurope)"],
    ['{"dryRun":"yes"}', 'dryRun: must be true or false'],
  ])('refuses %p naming the problem', (body, problem) => {
    const result = parseReplicationRequest(body, regions);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.join('\n')).toContain(problem);
  });
});
