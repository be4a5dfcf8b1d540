/**
 * What a customer sees of a product. Products are shared: every signed-in caller reads them. Their
 * stock levels beyond `available` and their replenishment settings are the shop's own business
 * (`reserved` and `shipped` per SKU are its sales volume; `reorderPoint` its purchasing policy).
 *
 * - `reorderPoint` / `reorderQuantity`: staff only, always (not part of the frozen contract).
 * - `stock`: the frozen contract (shared/API.md) promises `{ available, reserved, shipped }` to any
 *   caller, so that is the default (`CUSTOMER_STOCK_VIEW=full`). A deployment that does not want
 *   customers to learn its sales volume sets `CUSTOMER_STOCK_VIEW=available` on the catalog
 *   function: customers then get `stock: { available }` only. Staff always see every level.
 * docs/security.md ("Shared resources") says why.
 */
import type { Principal } from '#shared/auth.ts';
import type { Product } from './contract.ts';

export type CustomerStockView = 'full' | 'available';

/** The deployment's setting; anything but `available` is the contract's default. */
export const customerStockView = (
  raw: string | undefined = process.env.CUSTOMER_STOCK_VIEW,
): CustomerStockView => (raw === 'available' ? 'available' : 'full');

/** A customer's view of a product: the contract's, less what is staff's (see the module comment). */
export type ProductView = Omit<Product, 'stock' | 'reorderPoint' | 'reorderQuantity'> & {
  stock: Partial<Product['stock']> & Pick<Product['stock'], 'available'>;
  reorderPoint?: number;
  reorderQuantity?: number;
};

export function productViewFor(
  principal: Principal,
  product: Product,
  view: CustomerStockView = customerStockView(),
): ProductView {
  if (principal.isStaff) return product;
  const { reorderPoint: _point, reorderQuantity: _quantity, stock, ...rest } = product;
  return { ...rest, stock: view === 'available' ? { available: stock.available } : { ...stock } };
}
