import type { ListStyle, Placement, ValueType } from '../../schemas/connector.js';

/** One vendor parameter the gateway sets, with every value and where and how it is written. */
export interface VendorParam {
  name: string;
  values: string[];
  /** The unified parameter is a list (model_ids, group_by…), so a body gets an array even for one value. */
  list?: boolean | undefined;
  style?: ListStyle | undefined;
  in?: Placement | undefined;
  type?: ValueType | undefined;
}

/** The style a parameter is written in: as declared, else brackets for a `name[]`, else repeat. */
export function styleOf(p: Pick<VendorParam, 'name' | 'style'>): ListStyle {
  return p.style ?? (p.name.endsWith('[]') ? 'brackets' : 'repeat');
}

/** The query-string name: `brackets` adds `[]` unless the declared name has it. */
export function queryNameOf(p: Pick<VendorParam, 'name' | 'style'>): string {
  return styleOf(p) === 'brackets' && !p.name.endsWith('[]') ? `${p.name}[]` : p.name;
}

/**
 * Writes a parameter into a URL. Template values already under that name stay (a declared
 * default and a template may both name a value), so each value is sent once.
 */
export function writeQueryParam(url: URL, p: VendorParam): void {
  const name = queryNameOf(p);
  const style = styleOf(p);
  if (style === 'comma') {
    url.searchParams.set(name, p.values.join(','));
    return;
  }
  if (style === 'repeat' && !p.style && p.values.length === 1) {
    // A single-valued parameter replaces what a template put there.
    url.searchParams.set(name, p.values[0] as string);
    return;
  }
  const present = new Set(url.searchParams.getAll(name));
  for (const v of p.values) if (!present.has(v)) url.searchParams.append(name, v);
}

/**
 * The JSON value of a parameter in a body: a single-valued parameter as a scalar, a list (or a
 * declared list style) as an array, `comma` as one joined string; each typed as declared.
 */
export function bodyValueOf(p: VendorParam): unknown {
  const typed = p.values.map((v) => convert(v, p.type ?? 'string', p.name));
  const style = styleOf(p);
  if (style === 'comma') return p.values.join(',');
  if (p.style === undefined && !p.list && typed.length === 1) return typed[0];
  return typed;
}

/** A template's text as the JSON type the vendor expects; a value that is not one is a connector bug. */
export function convert(text: string, type: ValueType, name: string): string | number | boolean {
  switch (type) {
    case 'string':
      return text;
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || (type === 'integer' && !Number.isInteger(n))) {
        throw new Error(
          `body field ${name}: "${text}" is not ${type === 'integer' ? 'an integer' : 'a number'}`,
        );
      }
      return n;
    }
    case 'boolean':
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw new Error(`body field ${name}: "${text}" is not a boolean`);
  }
}
