/** The shared test fixtures' own behaviour (test/support). */
import { lazy } from '../support/lazy';
import { rejection } from '../support/rejection';

class Counter {
  count = 0;
  get doubled(): number {
    return this.count * 2;
  }
  bump(): number {
    return ++this.count;
  }
}

describe('lazy', () => {
  it('refuses use before the resource is started, naming it', () => {
    const box: { current?: Counter } = {};
    const counter = lazy('The counter', () => box.current);
    expect(() => counter.count).toThrow('The counter is not started');
    box.current = new Counter();
    expect(counter.count).toBe(0);
  });

  it('forwards properties, getters and bound methods to the current resource', () => {
    const current = new Counter();
    const counter = lazy('The counter', () => current);
    const { bump } = counter;
    expect(bump()).toBe(1);
    expect(counter.doubled).toBe(2);
    expect('bump' in counter).toBe(true);
  });
});

describe('rejection', () => {
  class SpecialError extends Error {}

  it('returns the error a promise rejects with', async () => {
    const err = new SpecialError('boom');
    await expect(rejection(Promise.reject(err), SpecialError)).resolves.toBe(err);
  });

  it('fails when the promise resolves', async () => {
    await expect(rejection(Promise.resolve(1))).rejects.toThrow('expected a rejection');
    await expect(rejection(Promise.resolve(1), SpecialError)).rejects.toThrow('expected a SpecialError');
  });

  it('rethrows an error of another class', async () => {
    const other = new RangeError('other');
    await expect(rejection(Promise.reject(other), SpecialError)).rejects.toBe(other);
  });
});
