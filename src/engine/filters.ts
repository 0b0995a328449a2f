import type { UsageRow } from '../schemas/usage.js';
import type { UsageRequest } from './usage-request.js';

/**
 * The unified filters, applied by the gateway after mapping so they mean the same for every
 * vendor. A row without the filtered fact (no model on an activity row, say) does not match.
 */
export function rowFilter(
  req: UsageRequest,
  apply: { products: boolean } = { products: true },
): (row: UsageRow) => boolean {
  const users = req.filters.userIds ?? (req.userId !== undefined ? [req.userId] : undefined);
  const userSet = users ? new Set(users.map((u) => u.toLowerCase())) : undefined;
  const models = req.filters.modelIds ? new Set(req.filters.modelIds) : undefined;
  const surfaces = req.filters.surfaces ? new Set(req.filters.surfaces) : undefined;
  const products = req.filters.productIds && apply.products ? new Set(req.filters.productIds) : undefined;
  const ids = req.filters.ids ? new Set(req.filters.ids) : undefined;
  if (!userSet && !models && !surfaces && !products && !ids) return () => true;
  return (row) => {
    if (ids && !ids.has(row.id)) return false;
    if (userSet) {
      const id = row.user?.id?.toLowerCase();
      const email = row.user?.email?.toLowerCase();
      if (!(id !== undefined && userSet.has(id)) && !(email !== undefined && userSet.has(email)))
        return false;
    }
    if (models && !(row.model?.id && models.has(row.model.id))) return false;
    if (surfaces && !(row.surface && surfaces.has(row.surface))) return false;
    if (products && !(row.product?.id && products.has(row.product.id))) return false;
    return true;
  };
}
