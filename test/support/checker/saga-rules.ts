/**
 * What the checker knows of the shop, written down here from the documented saga (README,
 * ARCHITECTURE), not imported from src: a checker that reused the product's definitions would
 * agree with the product's mistakes.
 */

/** The modules, each with its Postgres schema (same name) and its stream `<NAMESPACE>_<MODULE>`. */
export const MODULES = ['orders', 'inventory', 'payments', 'notifications'] as const;
export type ShopModule = (typeof MODULES)[number];

/** Which event types each consuming module handles: each must be consumed once per consumer. */
export const SUBSCRIPTIONS: Record<ShopModule, string[]> = {
  orders: [
    'inventory.ProductRegistered',
    'inventory.ProductUpdated',
    'inventory.StockReservationFailed',
    'payments.PaymentCaptured',
    'payments.PaymentDeclined',
  ],
  inventory: ['orders.OrderPlaced', 'orders.OrderConfirmed', 'orders.OrderCancelled'],
  // OrderCancelled: the saga's deadline voids an intent or refunds a late capture (ARCHITECTURE §2).
  payments: ['orders.OrderPlaced', 'orders.OrderCancelled', 'inventory.StockReserved', 'inventory.StockReservationFailed'],
  notifications: ['orders.OrderPlaced', 'orders.OrderConfirmed', 'orders.OrderCancelled'],
};

/** The e-mails a final order must have received, once each. */
export const EXPECTED_TEMPLATES: Record<'CONFIRMED' | 'CANCELLED', string[]> = {
  CONFIRMED: ['order-confirmed', 'order-received'],
  CANCELLED: ['order-cancelled', 'order-received'],
};

/** Payment states that keep no money (a refunded capture gave it back). */
export const MONEY_RETURNED = ['DECLINED', 'VOIDED', 'REFUNDED'];

export const streamName = (namespace: string, module: string) => (namespace ? `${namespace}_${module}` : module).toUpperCase();
