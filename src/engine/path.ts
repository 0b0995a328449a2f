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

/**
 * Deletes a dotted path in place (for truto_exclude_fields). Arrays on the way are walked into,
 * so `remote_data.actor` also reaches each record of an aggregated row's remote_data list.
 */
export function deletePath(value: unknown, path: string): void {
  deleteSegments(value, path.split('.'));
}

function deleteSegments(cur: unknown, segs: string[]): void {
  if (cur === null || typeof cur !== 'object') return;
  if (Array.isArray(cur)) {
    for (const item of cur) deleteSegments(item, segs);
    return;
  }
  const [head, ...rest] = segs as [string, ...string[]];
  const obj = cur as Record<string, unknown>;
  if (rest.length === 0) delete obj[head];
  else deleteSegments(obj[head], rest);
}
