/**
 * A client logger (src/formRecognizer `Logger`) that appends `LEVEL message {fields}` lines to the
 * array `lines()` returns (a getter, so a test can start a fresh array in `beforeEach`).
 */
import type { Logger } from '../../src/formRecognizer';

export function lineLogger(lines: () => string[]): Logger {
  return {
    info: (m, f) => lines().push(`INFO ${m} ${JSON.stringify(f ?? {})}`),
    warn: (m, f) => lines().push(`WARN ${m} ${JSON.stringify(f ?? {})}`),
    error: (m, f) => lines().push(`ERROR ${m} ${JSON.stringify(f ?? {})}`),
  };
}
