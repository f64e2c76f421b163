/** One thing wrong with one setting. `message` never contains a secret value. */
export interface ConfigurationProblem {
  /** The setting's name as it appears in app settings, e.g. `DR_TARGETS`. */
  readonly setting: string;
  /** Where inside the setting, when it is structured, e.g. `DR_TARGETS[1].endpoint`; defaults to `setting`. */
  readonly path?: string;
  /** What is wrong and, where it helps, what would be right. */
  readonly message: string;
}

/**
 * Thrown by `loadSettings` when one or more settings are missing or invalid.
 * All problems are collected and reported together, so a deployment is fixed in one go.
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
  /** The (first) offending setting's name. */
  readonly setting: string;
  /** Every offending setting, in the order found, without duplicates. */
  readonly settings: readonly string[];
  readonly problems: readonly ConfigurationProblem[];

  constructor(problems: readonly ConfigurationProblem[]) {
    if (problems.length === 0) throw new RangeError('ConfigurationError needs at least one problem');
    super(ConfigurationError.format(problems));
    this.problems = Object.freeze(problems.map((p) => Object.freeze({ ...p })));
    this.setting = problems[0].setting;
    this.settings = Object.freeze([...new Set(problems.map((p) => p.setting))]);
  }

  private static format(problems: readonly ConfigurationProblem[]): string {
    const line = (p: ConfigurationProblem): string => `${p.path ?? p.setting}: ${p.message}`;
    if (problems.length === 1) return `Invalid configuration: ${line(problems[0])}`;
    return `Invalid configuration (${problems.length} problems):\n${problems.map((p) => `  - ${line(p)}`).join('\n')}`;
  }
}
