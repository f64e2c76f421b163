import { listPacerFor, ManagementPacer, WindowPacer } from '../../src/replication/pacing';

describe('ManagementPacer (virtual times)', () => {
  const T = 1_000_000;

  it('lets the first call go and spaces the next ones 1/rps apart, each keeping its slot', () => {
    const pacer = new ManagementPacer(5);
    expect(pacer.acquire('a', ['src'], T)).toEqual({ go: true });
    expect(pacer.acquire('b', ['src'], T)).toEqual({ go: false, waitMs: 200 });
    expect(pacer.acquire('c', ['src'], T)).toEqual({ go: false, waitMs: 400 });
    // Asking again before the slot: the same slot.
    expect(pacer.acquire('c', ['src'], T + 100)).toEqual({ go: false, waitMs: 300 });
    expect(pacer.pending).toBe(2);
    expect(pacer.acquire('b', ['src'], T + 200)).toEqual({ go: true });
    expect(pacer.acquire('c', ['src'], T + 400)).toEqual({ go: true });
    expect(pacer.pending).toBe(0);
  });

  it('never has more than rps calls in any 1 s window, whatever the arrival pattern', () => {
    const pacer = new ManagementPacer(5);
    const made: number[] = [];
    // 40 keys arrive at once; each comes back exactly when told.
    const queue = Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, at: T }));
    while (queue.length > 0) {
      queue.sort((a, b) => a.at - b.at);
      const next = queue.shift()!;
      const d = pacer.acquire(next.key, ['src'], next.at);
      if (d.go) made.push(next.at);
      else queue.push({ key: next.key, at: next.at + d.waitMs });
    }
    expect(made).toHaveLength(40);
    for (const t of made) expect(made.filter((u) => u > t - 1000 && u <= t).length).toBeLessThanOrEqual(5);
    expect(Math.max(...made) - T).toBe(39 * 200); // and no slot wasted
  });

  it('reserves one slot on every resource a call touches', () => {
    const pacer = new ManagementPacer(4);
    expect(pacer.acquire('x', ['target-a', 'src'], T)).toEqual({ go: true });
    // Another target, same source: the source decides.
    expect(pacer.acquire('y', ['target-b', 'src'], T)).toEqual({ go: false, waitMs: 250 });
    // Only target-a: free again 250 ms after x, and it can take the gap the source left there.
    expect(pacer.acquire('z', ['target-a'], T)).toEqual({ go: false, waitMs: 250 });
    expect(pacer.acquire('w', ['target-c'], T)).toEqual({ go: true });
  });

  it('fills a gap between reservations when it is wide enough', () => {
    const pacer = new ManagementPacer(5);
    pacer.acquire('a', ['src'], T); // T
    pacer.acquire('b', ['src', 't1'], T); // T+200
    // t1 and src are both busy at T+200; src is free again at T+400.
    expect(pacer.acquire('c', ['t1'], T)).toEqual({ go: true }); // t1 is free at T
    expect(pacer.acquire('d', ['src'], T + 50)).toEqual({ go: false, waitMs: 350 });
  });

  it('holds a resource off after a 429 until Retry-After', () => {
    const pacer = new ManagementPacer(5);
    pacer.holdOff('src', T + 3000);
    expect(pacer.acquire('a', ['src'], T)).toEqual({ go: false, waitMs: 3000 });
    expect(pacer.acquire('b', ['other'], T)).toEqual({ go: true });
    expect(pacer.acquire('a', ['src'], T + 3000)).toEqual({ go: true });
  });

  it('forgets reservations nobody came back for', () => {
    const pacer = new ManagementPacer(1);
    pacer.acquire('a', ['src'], T);
    pacer.acquire('gone', ['src'], T); // slot T+1000, never claimed
    expect(pacer.pending).toBe(1);
    expect(pacer.acquire('late', ['src'], T + 120_000)).toEqual({ go: true });
    expect(pacer.pending).toBe(0);
  });

  it('rejects a non-positive rate', () => {
    expect(() => new ManagementPacer(0)).toThrow(RangeError);
  });
});

describe('WindowPacer (list pages, virtual times)', () => {
  const T = 2_000_000;

  it('lets a burst of `limit` go at once, then waits until the oldest leaves the window', () => {
    const pacer = new WindowPacer(10, 1100);
    for (let i = 0; i < 10; i++) expect(pacer.take('src', T)).toEqual({ go: true });
    expect(pacer.take('src', T)).toEqual({ go: false, waitMs: 1100 });
    expect(pacer.take('src', T + 600)).toEqual({ go: false, waitMs: 500 });
    // Another resource has its own window.
    expect(pacer.take('tgt', T)).toEqual({ go: true });
    // When the window has slid past the burst, a whole new burst goes.
    for (let i = 0; i < 10; i++) expect(pacer.take('src', T + 1100)).toEqual({ go: true });
    expect(pacer.take('src', T + 1100).go).toBe(false);
  });

  it('never lets more than `limit` requests into any window, whatever the arrival pattern', () => {
    const pacer = new WindowPacer(10, 1100);
    const sent: number[] = [];
    let t = T;
    for (let i = 0; i < 500; i++) {
      const d = pacer.take('src', t);
      if (d.go) sent.push(t);
      t += d.go ? [0, 7, 130, 1, 0, 290][i % 6] : d.waitMs;
    }
    for (const at of sent) expect(sent.filter((s) => s >= at && s < at + 1100).length).toBeLessThanOrEqual(10);
    expect(sent.length).toBeGreaterThan(100);
  });

  it("holds a resource off until a 429's Retry-After", () => {
    const pacer = new WindowPacer(10, 1100);
    pacer.holdOff('src', T + 3000);
    expect(pacer.take('src', T)).toEqual({ go: false, waitMs: 3000 });
    expect(pacer.take('src', T + 3000)).toEqual({ go: true });
  });

  it('paces DR_MANAGEMENT_RPS × 2 pages a second: 10 per 1.1 s at 5, 1 per 5.5 s at 0.1', () => {
    expect(listPacerFor(5)).toMatchObject({ limit: 10, windowMs: 1100 });
    expect(listPacerFor(4)).toMatchObject({ limit: 8, windowMs: 1100 });
    expect(listPacerFor(0.1)).toMatchObject({ limit: 1, windowMs: 5500 });
    expect(() => new WindowPacer(0)).toThrow(RangeError);
  });
});
