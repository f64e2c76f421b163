/**
 * A stand-in for a resource a fixture starts in `beforeAll`: the test file declares it once at
 * describe level, and every property access is forwarded to the started resource (methods
 * bound to it). Using it before `beforeAll` ran, or after `afterAll`, throws and says so.
 */
export function lazy<T extends object>(what: string, current: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_target, prop) {
      const value = current();
      if (!value)
        throw new Error(`${what} is not started: use it inside a test or hook of the describe that set it up.`);
      const member: unknown = Reflect.get(value, prop, value);
      return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).bind(value) : member;
    },
    has(_target, prop) {
      const value = current();
      return value ? prop in value : false;
    },
  });
}
