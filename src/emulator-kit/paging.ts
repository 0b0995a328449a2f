/**
 * Which slice of a list a page holds. Two families cover the usage APIs: offset/token paging
 * (a token says where the next page starts) and page-number paging (`page=3&page_size=50`, with a
 * total count). Emulators compute the slice here and only render the items.
 */

export interface PageBounds {
  /** Items [from, to) of the full list form this page. */
  from: number;
  to: number;
  hasMore: boolean;
  /** The token of the next page, or null on the last one. */
  nextPage: string | null;
}

/**
 * Which of `total` items page `offset`/`limit` holds, and its next token. With `loop.on` (the looping
 * paging fault) the token never advances: a request that carried one gets it back, has_more stays
 * true, and a client without a loop guard pages forever.
 */
export function pageBounds(
  total: number,
  offset: number,
  limit: number,
  mint: (offset: number) => string,
  loop: { on: boolean; incoming: string | undefined } = { on: false, incoming: undefined },
): PageBounds {
  const from = Math.min(offset, total);
  const to = Math.min(total, from + limit);
  if (loop.on) return { from, to, hasMore: true, nextPage: loop.incoming ?? mint(to) };
  const hasMore = to < total;
  return { from, to, hasMore, nextPage: hasMore ? mint(to) : null };
}

export interface NumberedPage {
  /** Items [from, to) of the full list form this page (empty past the end, as most vendors do). */
  from: number;
  to: number;
  /** 1-based page number served. */
  page: number;
  pageSize: number;
  totalItems: number;
  totalPages: number;
  hasNextPage: boolean;
}

/** Page `page` (1-based) of `pageSize` items out of `totalItems`. */
export function numberedPage(totalItems: number, page: number, pageSize: number): NumberedPage {
  if (!Number.isSafeInteger(page) || page < 1) throw new RangeError(`page must be >= 1, got ${page}`);
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`pageSize must be >= 1, got ${pageSize}`);
  }
  const totalPages = Math.ceil(totalItems / pageSize);
  const from = Math.min(totalItems, (page - 1) * pageSize);
  const to = Math.min(totalItems, from + pageSize);
  return { from, to, page, pageSize, totalItems, totalPages, hasNextPage: page < totalPages };
}
