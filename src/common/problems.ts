/**
 * Problems found while validating input at the edge (an HTTP body or parameter, …): each names
 * the path of what it concerns (`body`, `models[2]`, `sourceModelId`) and says what is wrong;
 * they are collected so that every problem is reported at once, never only the first.
 *
 * The settings have their own collector, keyed by setting name (`SettingProblems` in
 * src/config/reader.ts), because an unresolved Key Vault reference hides a setting's other problems.
 */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

export class Problems {
  readonly #list: Problem[] = [];

  add(path: string, message: string): void {
    this.#list.push({ path, message });
  }

  get count(): number {
    return this.#list.length;
  }

  get list(): readonly Problem[] {
    return this.#list;
  }

  /** `path: message`, one per problem, in the order found (what a 400 response's `problems` holds). */
  lines(): string[] {
    return this.#list.map((p) => `${p.path}: ${p.message}`);
  }
}

/** The outcome of validating input: the value, or every problem as `path: message` lines. */
export type Validation<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** A single-problem failed validation (for input that cannot be looked at further, e.g. not JSON). */
export function invalid(path: string, message: string): { ok: false; problems: string[] } {
  const problems = new Problems();
  problems.add(path, message);
  return { ok: false, problems: problems.lines() };
}
