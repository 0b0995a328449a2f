import { getPath } from './path.js';

const MAX_MESSAGE_CHARS = 500;

/**
 * What a vendor's error body says went wrong, read at the paths its connector declares (first
 * found wins). A list segment may be indexed (`errors.0`); an object found there is read for its
 * `detail`, `message` or `title` (JSON:API errors), several strings are joined. The body given is
 * already scrubbed of secrets; the text is cut to a readable length.
 */
export function vendorMessage(body: unknown, paths: readonly string[] | undefined): string | undefined {
  if (!paths || body === null || typeof body !== 'object') return undefined;
  for (const path of paths) {
    const text = asText(getPath(body, path));
    if (text !== undefined)
      return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
  }
  return undefined;
}

function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() === '' ? undefined : v.trim();
  if (Array.isArray(v)) {
    const parts = v.map(asText).filter((t): t is string => t !== undefined);
    return parts.length > 0 ? parts.join('; ') : undefined;
  }
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return asText(o.detail) ?? asText(o.message) ?? asText(o.title);
  }
  return undefined;
}
