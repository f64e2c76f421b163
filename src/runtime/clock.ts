/**
 * The one clock interface of the app: activities, the ledger and the clients read the time
 * through a `Clock` they are given (the composition root passes `systemClock`; a host that
 * runs the app on another clock passes that one when it builds the app's dependencies).
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function isoNow(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
