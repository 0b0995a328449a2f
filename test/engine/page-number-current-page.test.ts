import t from 'tap';
import { nextPage } from '../../src/engine/paginate.js';
import type { Pagination } from '../../src/schemas/connector.js';

/**
 * Page-number paging where the vendor says which page it served (`current_page_path`): the next
 * page follows the page the vendor names, so a vendor that ignores the page asked for hands back a
 * page already read (which the page walker stops at) instead of being paged until the budget ends.
 */
const pagination: Pagination = {
  type: 'page_number',
  param: 'page',
  first_page: 1,
  has_next_path: 'pagination.hasNextPage',
  current_page_path: 'pagination.currentPage',
};

t.test('the next page follows the page the vendor says it served', async (t) => {
  const body = (currentPage: unknown, hasNextPage = true) => ({ pagination: { currentPage, hasNextPage } });
  t.equal(nextPage(pagination, body(1), null, 5), 2, 'first page');
  t.equal(nextPage(pagination, body(3), 3, 5), 4, 'a vendor that honours the page');
  t.equal(nextPage(pagination, body(1), 4, 5), 2, 'a vendor that ignores it: back to a page already read');
  t.equal(nextPage(pagination, body(2, false), 2, 5), null, 'the has-next flag still ends paging');
  t.equal(nextPage(pagination, body(undefined), 4, 5), 5, 'no page named: the page asked for');
  t.equal(nextPage(pagination, body('x'), 4, 5), 5, 'not a page number: the page asked for');
  const { current_page_path: _omit, ...plain } = pagination;
  t.equal(nextPage(plain as Pagination, body(1), 4, 5), 5, 'without the path the vendor is not asked');
});
