/**
 * The edge of the configuration: a small typed reader over the environment (Powertools-style
 * getters) that records every problem in one list, so that `loadSettings` reports them all at
 * once in one `ConfigurationError`.
 */
import { ConfigurationError, type ConfigurationProblem } from './errors';
import type { Env } from './types';

/** The text the platform leaves in a setting when it could not resolve a Key Vault reference. */
const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(/i;

/** The problem reported for a setting that still holds an unresolved Key Vault reference. */
export const KEY_VAULT_NOT_RESOLVED =
  "Key Vault reference not resolved: check the identity's access (the platform left the @Microsoft.KeyVault(...) text in place: the app's identity needs Key Vault Secrets User on the vault, and the secret must exist)";

/** True when `value` is the literal `@Microsoft.KeyVault(...)` text of an unresolved reference. */
export function isKeyVaultReference(value: string): boolean {
  return KEY_VAULT_REFERENCE.test(value.trim());
}

/** Every problem found, in order. A setting that is an unresolved Key Vault reference gets that problem only. */
export class SettingProblems {
  private readonly list: ConfigurationProblem[] = [];
  private readonly unresolved = new Set<string>();

  add(setting: string, message: string, path?: string): void {
    if (this.unresolved.has(setting)) return; // the root cause is already reported
    this.list.push(path ? { setting, path, message } : { setting, message });
  }

  unresolvedReference(setting: string): void {
    if (this.unresolved.has(setting)) return;
    this.list.push({ setting, message: KEY_VAULT_NOT_RESOLVED });
    this.unresolved.add(setting);
  }

  isUnresolved(setting: string): boolean {
    return this.unresolved.has(setting);
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new ConfigurationError(this.list);
  }
}

export interface NumberRule {
  min: number;
  max: number;
  integer: boolean;
  default: number;
  hint?: string;
}

/** Typed getters over the environment; each records its problems and returns undefined when the value is unusable. */
export class SettingsReader {
  constructor(
    private readonly env: Env,
    readonly problems: SettingProblems = new SettingProblems(),
  ) {}

  /** The trimmed value; undefined when absent, blank, or an unresolved Key Vault reference (reported). */
  get(name: string): string | undefined {
    const v = this.env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    if (t === '') return undefined;
    if (isKeyVaultReference(t)) {
      this.problems.unresolvedReference(name);
      return undefined;
    }
    return t;
  }

  /** True when `name` was read and found to be an unresolved Key Vault reference. */
  unresolved(name: string): boolean {
    return this.problems.isUnresolved(name);
  }

  string(name: string, fallback: string): string {
    return this.get(name) ?? fallback;
  }

  /** A decimal number (or integer) within `rule`'s bounds; the default when absent. */
  number(name: string, rule: NumberRule): number | undefined {
    const raw = this.get(name);
    if (raw === undefined) return this.unresolved(name) ? undefined : rule.default;
    const pattern = rule.integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
    const n = Number(raw);
    if (!pattern.test(raw) || !Number.isFinite(n) || n < rule.min || n > rule.max) {
      this.problems.add(
        name,
        `"${raw.slice(0, 40)}" must be ${rule.integer ? 'an integer' : 'a number'} from ${rule.min} to ${rule.max} (default ${rule.default})${rule.hint ? `; ${rule.hint}` : ''}`,
      );
      return undefined;
    }
    return n;
  }

  add(setting: string, message: string, path?: string): void {
    this.problems.add(setting, message, path);
  }
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
