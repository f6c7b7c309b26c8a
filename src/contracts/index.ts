import { EventContract } from './event-contract';
import { ProductRegisteredV1 } from './inventory/product-registered.v1';
import { ProductUpdatedV1 } from './inventory/product-updated.v1';
import { StockReservationFailedV1 } from './inventory/stock-reservation-failed.v1';
import { StockReservedV1 } from './inventory/stock-reserved.v1';
import { OrderCancelledV1 } from './orders/order-cancelled.v1';
import { OrderConfirmedV1 } from './orders/order-confirmed.v1';
import { OrderPlacedV1 } from './orders/order-placed.v1';
import { OrderPlacedV2 } from './orders/order-placed.v2';
import { OrderPlacedV1ToV2 } from './orders/order-placed.upcasters';
import { Upcaster } from './upcaster';
import { PaymentCapturedV1 } from './payments/payment-captured.v1';
import { PaymentDeclinedV1 } from './payments/payment-declined.v1';
import { PaymentRefundedV1 } from './payments/payment-refunded.v1';

export * from './event-contract';
export * from './event-envelope';
export * from './contract-registry';
export * from './redaction';
export { CANCELLATION_REASONS } from './shared-schemas';
export type { CancellationReason } from './shared-schemas';
export {
  ProductRegisteredV1,
  ProductUpdatedV1,
  StockReservationFailedV1,
  StockReservedV1,
  OrderCancelledV1,
  OrderConfirmedV1,
  OrderPlacedV1,
  OrderPlacedV2,
  PaymentCapturedV1,
  PaymentDeclinedV1,
  PaymentRefundedV1,
};
export * from './payments/deposit-payment-credential.request';
export * from './payments/deposit-payment-credentials.request';
export * from './upcaster';

/** Every step from one version of a type to the next: consumers read older events as the version they declare. */
export const ALL_UPCASTERS: readonly Upcaster[] = [OrderPlacedV1ToV2];

/** Every contract of the shop, registered with the consumers' validator. */
export const ALL_CONTRACTS: readonly EventContract[] = [
  ProductRegisteredV1,
  ProductUpdatedV1,
  StockReservedV1,
  StockReservationFailedV1,
  OrderPlacedV1,
  OrderPlacedV2,
  OrderConfirmedV1,
  OrderCancelledV1,
  PaymentCapturedV1,
  PaymentDeclinedV1,
  PaymentRefundedV1,
];
