/** Reads a dotted path (`meta.pagination.next_record_id`) from parsed JSON; undefined when absent. */
export function getPath(value: unknown, path: string): unknown {
  if (path === '' || path === '.') return value;
  let cur: unknown = value;
  for (const seg of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** Deletes a dotted path from an object in place (for truto_exclude_fields). */
export function deletePath(value: Record<string, unknown>, path: string): void {
  const segs = path.split('.');
  let cur: unknown = value;
  for (let i = 0; i < segs.length - 1; i++) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<string, unknown>)[segs[i] as string];
  }
  if (cur !== null && typeof cur === 'object') delete (cur as Record<string, unknown>)[segs[segs.length - 1] as string];
}
