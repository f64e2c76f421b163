import { ManagementPacer } from '../../src/replication/pacing';

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
