/**
 * The error a promise rejects with, for assertions on it. Fails the test if the promise
 * resolves. With `type`, an error of another class is rethrown (so the test shows it).
 */
export async function rejection<E = unknown>(
  p: Promise<unknown>,
  type?: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await p;
  } catch (e) {
    if (!type || e instanceof type) return e as E;
    throw e;
  }
  throw new Error(type ? `expected a ${type.name}` : 'expected a rejection');
}
