/** The durable consumers (`<consumer>_<event>`) one confirmed order goes through. */
export const CONFIRMED_ORDER_HOPS = [
  'inventory_OrderPlaced',
  'payments_OrderPlaced',
  'notifications_OrderPlaced',
  'payments_StockReserved',
  'orders_PaymentCaptured',
  'inventory_OrderConfirmed',
  'notifications_OrderConfirmed',
];
