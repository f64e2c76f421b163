/**
 * The time activities and domain code read. Production: the system clock. The local
 * host and the tests point it at their (virtual) clock, so records written by
 * activities carry the same time the orchestrations and emulators see.
 */
let source: () => number = () => Date.now();

export function now(): number {
  return source();
}

export function nowIso(): string {
  return new Date(source()).toISOString();
}

/** Replace the time source; returns a function restoring the previous one. */
export function setTimeSource(next: () => number): () => void {
  const previous = source;
  source = next;
  return () => {
    source = previous;
  };
}
