import type { Pagination } from '../schemas/connector.js';
import { getPath } from './path.js';

/** The vendor page after the current one, as PageState.p, or null when the window is done. */
export function nextPage(
  pagination: Pagination,
  body: unknown,
  current: string | number | null,
  recordCount: number,
): string | number | null {
  switch (pagination.type) {
    case 'none':
      return null;
    case 'token': {
      if (pagination.has_more_path !== undefined && getPath(body, pagination.has_more_path) !== true)
        return null;
      const next = getPath(body, pagination.next_path);
      if (typeof next === 'number') return next;
      return typeof next === 'string' && next !== '' ? next : null;
    }
    case 'page_number': {
      const asked = typeof current === 'number' ? current : pagination.first_page;
      // The page the vendor says it served, where it says so: one that ignores the page asked for
      // answers a page already read, which the page walker stops at (isLooping).
      const said =
        pagination.current_page_path === undefined ? undefined : getPath(body, pagination.current_page_path);
      // Only a number counts: Number(null) and Number('') are 0, which would restart the paging.
      const page = typeof said === 'number' && Number.isSafeInteger(said) ? said : asked;
      if (pagination.total_pages_path !== undefined) {
        const total = Number(getPath(body, pagination.total_pages_path));
        return Number.isFinite(total) && page + 1 - pagination.first_page < total ? page + 1 : null;
      }
      if (pagination.has_next_path !== undefined) {
        return getPath(body, pagination.has_next_path) === true ? page + 1 : null;
      }
      // No total and no flag: an empty page is the end.
      return recordCount > 0 ? page + 1 : null;
    }
    case 'next_url': {
      const next = getPath(body, pagination.next_path);
      return typeof next === 'string' && next !== '' ? next : null;
    }
  }
}
