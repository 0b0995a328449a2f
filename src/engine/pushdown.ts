import type { Resource } from '../schemas/connector.js';
import { AppError } from '../errors.js';
import type { PushableParams, UsageRequest } from './usage-request.js';
import { convert, type VendorParam } from './request/params.js';

/**
 * Parameters a resource must declare before it may receive them; anything else the gateway does
 * itself (filters, single day) or refuses, since silently ignoring a parameter gives wrong answers.
 */
export const PUSHDOWN_ONLY: readonly (keyof PushableParams)[] = [
  'group_by',
  'granularity',
  'sort_by',
  'sort_order',
  'include_deleted_users',
  'api_key_id',
  'page',
  'page_size',
];

/**
 * Translates the unified parameters a resource declares into its vendor's parameters, every
 * value kept, with where (query or body) and how (list style, JSON type) each is written.
 */
export function pushDown(resource: Resource, req: UsageRequest, slug: string): VendorParam[] {
  const out: VendorParam[] = [];
  for (const [name, rule] of Object.entries(resource.params ?? {})) {
    const given = req.params[name as keyof PushableParams];
    const values: string[] =
      given === undefined
        ? rule.default === undefined
          ? []
          : [rule.default].flat()
        : (Array.isArray(given) ? given : [given]).map(String);
    if (values.length === 0) continue;
    const translated = values.map((v) => {
      if (typeof given === 'boolean' && rule.invert) return String(!given);
      if (!rule.map || given === undefined) return v;
      const mapped = rule.map[v];
      if (mapped === undefined) {
        const allowed = Object.keys(rule.map);
        throw new AppError(
          'unsupported_parameter',
          `${name}=${v} is not supported by ${slug} for report_type=${req.reportType}; supported: ${allowed.join(', ')}.`,
          { details: { parameter: name, allowed } },
        );
      }
      return mapped;
    });
    if (rule.type !== undefined && rule.type !== 'string') {
      for (const v of translated) {
        try {
          convert(v, rule.type, rule.param);
        } catch {
          throw new AppError(
            'invalid_parameter',
            `Invalid parameter "${name}": "${v}" is not ${rule.type === 'boolean' ? 'true or false' : `a${rule.type === 'integer' ? 'n integer' : ' number'}`}, which ${slug} needs here.`,
            { details: { parameter: name } },
          );
        }
      }
    }
    // Two unified values may map to one vendor value (model and token_type both to description).
    out.push({
      name: rule.param,
      values: [...new Set(translated)],
      // A list parameter stays a list in a body even with one value.
      list: given === undefined ? Array.isArray(rule.default) : Array.isArray(given),
      style: rule.style,
      in: rule.in,
      type: rule.type,
    });
  }
  return out;
}

/** Refuses a push-down-only parameter the resource cannot take (see PUSHDOWN_ONLY). */
export function refuseUndeclared(
  resource: Resource,
  req: UsageRequest,
  slug: string,
  gatewayApplies: ReadonlySet<string> = new Set(),
): void {
  for (const name of PUSHDOWN_ONLY) {
    if (req.params[name] !== undefined && !resource.params?.[name] && !gatewayApplies.has(name)) {
      throw new AppError(
        'unsupported_parameter',
        `${name} is not supported for report_type=${req.reportType} on ${slug}: the vendor cannot apply it and the gateway cannot apply it correctly across pages. Leave it out.`,
        { details: { parameter: name } },
      );
    }
  }
}
