/**
 * The one logger interface of the app: what activities and domain code log through. An
 * `InvocationContext` satisfies it (the composition root passes the invocation's context).
 */
export interface AppLogger {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export const consoleLogger: AppLogger = {
  log: (...a) => console.log(...a),
  warn: (...a) => console.warn(...a),
  error: (...a) => console.error(...a),
};
