/**
 * Turns captured `registerFunction` calls into typed function descriptions.
 */
import type { CapturedRegistration, CoreBinding, CoreHandler } from './functionsCore';

export type TriggerKind = 'orchestration' | 'activity' | 'entity' | 'http' | 'timer' | 'queue' | 'other';

export interface BindingDescription {
  name: string;
  type: string;
  direction: string;
  [key: string]: unknown;
}

export interface FunctionDescription {
  name: string;
  kind: TriggerKind;
  trigger: BindingDescription;
  extraInputs: BindingDescription[];
  extraOutputs: BindingDescription[];
  returnBinding?: BindingDescription;
  handler: CoreHandler;
}

export class RegistrationError extends Error {
  override name = 'RegistrationError';
}

const KINDS: Record<string, TriggerKind> = {
  orchestrationtrigger: 'orchestration',
  activitytrigger: 'activity',
  entitytrigger: 'entity',
  httptrigger: 'http',
  timertrigger: 'timer',
  queuetrigger: 'queue',
};

function toBinding(name: string, b: CoreBinding): BindingDescription {
  return { ...b, name, type: b.type, direction: b.direction };
}

export function describe(reg: CapturedRegistration): FunctionDescription {
  const { name, bindings } = reg.metadata;
  let trigger: BindingDescription | undefined;
  let returnBinding: BindingDescription | undefined;
  const extraInputs: BindingDescription[] = [];
  const extraOutputs: BindingDescription[] = [];
  for (const [bindingName, b] of Object.entries(bindings)) {
    if (/trigger$/i.test(b.type) && b.direction === 'in') trigger = toBinding(bindingName, b);
    else if (bindingName === '$return') returnBinding = toBinding(bindingName, b);
    else if (b.direction === 'in') extraInputs.push(toBinding(bindingName, b));
    else if (b.direction === 'out') extraOutputs.push(toBinding(bindingName, b));
  }
  if (!trigger) throw new RegistrationError(`Function "${name}" has no trigger binding.`);
  return {
    name,
    kind: KINDS[trigger.type.toLowerCase()] ?? 'other',
    trigger,
    extraInputs,
    extraOutputs,
    returnBinding,
    handler: reg.handler,
  };
}

export class FunctionRegistry {
  private readonly byName = new Map<string, FunctionDescription>();

  constructor(registrations: readonly CapturedRegistration[]) {
    for (const reg of registrations) {
      const fn = describe(reg);
      const key = fn.name.toLowerCase();
      if (this.byName.has(key)) {
        throw new RegistrationError(
          `A function named "${fn.name}" is registered twice (function names are case-insensitive).`,
        );
      }
      this.byName.set(key, fn);
    }
  }

  get all(): FunctionDescription[] {
    return [...this.byName.values()];
  }

  find(name: string): FunctionDescription | undefined {
    return this.byName.get(name.toLowerCase());
  }

  get(name: string, kind: TriggerKind): FunctionDescription {
    const fn = this.find(name);
    if (!fn) throw new RegistrationError(`No function named "${name}" is registered.`);
    if (fn.kind !== kind)
      throw new RegistrationError(
        `Function "${name}" is a ${fn.kind} function, not a${kind === 'orchestration' || kind === 'activity' ? 'n' : ''} ${kind} function.`,
      );
    return fn;
  }

  ofKind(kind: TriggerKind): FunctionDescription[] {
    return this.all.filter((f) => f.kind === kind);
  }
}

export function isDurableClientBinding(b: { type?: unknown }): boolean {
  return b.type === 'durableClient' || b.type === 'orchestrationClient';
}
