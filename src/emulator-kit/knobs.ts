/**
 * Declarative knob specs, so a vendor adds a knob by naming it and its type, and the control route
 * validates it with no new code. Unknown knobs are rejected: a typo in a test's control call must
 * fail loudly, not silently leave the fault off.
 */

export type KnobSpec =
  | { type: 'count'; max?: number; nullable?: boolean }
  | { type: 'boolean' }
  | { type: 'oneOf'; values: readonly string[] };

export type KnobSpecs = Readonly<Record<string, KnobSpec>>;

export type KnobPatchResult<K> = { ok: true; patch: Partial<K> } | { ok: false; message: string };

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Why `value` does not fit `spec`, or null if it does. */
function knobProblem(key: string, spec: KnobSpec, value: unknown): string | null {
  switch (spec.type) {
    case 'count':
      if (spec.nullable && value === null) return null;
      if (!isCount(value)) return `${key} must be a non-negative integer${spec.nullable ? ' or null' : ''}`;
      if (spec.max !== undefined && value > spec.max) return `${key} must be at most ${spec.max}`;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? null : `${key} must be a boolean`;
    case 'oneOf':
      return typeof value === 'string' && spec.values.includes(value)
        ? null
        : `${key} must be ${spec.values.map((v) => `'${v}'`).join(' or ')}`;
  }
}

/** Validates a JSON body of knob values against `specs`; the whole patch or nothing. */
export function parseKnobPatch<K>(specs: KnobSpecs, body: unknown): KnobPatchResult<K> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'body must be a JSON object' };
  }
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const spec = Object.hasOwn(specs, key) ? specs[key] : undefined;
    if (spec === undefined) return { ok: false, message: `unknown control ${key}` };
    const problem = knobProblem(key, spec, value);
    if (problem !== null) return { ok: false, message: problem };
    patch[key] = value;
  }
  return { ok: true, patch: patch as Partial<K> };
}
