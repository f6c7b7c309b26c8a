import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  PaymentCapturedV1,
  PaymentDeclinedV1,
  ProductRegisteredV1,
  ProductUpdatedV1,
  StockReservationFailedV1,
} from '../../../contracts';
import { SettleOrder } from '../commands/settle-order.handler';
import { UpdateCatalog } from '../commands/update-catalog.handler';

const consumer = { consumer: 'orders' };

/** Incoming contract → command; no logic here. */
@Controller()
export class OrdersListener {
  constructor(private readonly commands: CommandBus) {}

  @EventPattern(ProductRegisteredV1.type, consumer)
  updateCatalogOnProductRegistered(@Payload() event: ProductRegisteredV1) {
    return this.commands.execute(new UpdateCatalog({ ...event.payload, version: event.aggregateVersion }));
  }

  @EventPattern(ProductUpdatedV1.type, consumer)
  updateCatalogOnProductUpdated(@Payload() event: ProductUpdatedV1) {
    return this.commands.execute(new UpdateCatalog({ ...event.payload, version: event.aggregateVersion }));
  }

  @EventPattern(StockReservationFailedV1.type, consumer)
  cancelOrderOnStockReservationFailed(@Payload() event: StockReservationFailedV1) {
    return this.commands.execute(new SettleOrder(event.payload.orderId, { confirm: false, reason: 'OUT_OF_STOCK' }));
  }

  @EventPattern(PaymentCapturedV1.type, consumer)
  confirmOrderOnPaymentCaptured(@Payload() event: PaymentCapturedV1) {
    return this.commands.execute(new SettleOrder(event.payload.orderId, { confirm: true }));
  }

  @EventPattern(PaymentDeclinedV1.type, consumer)
  cancelOrderOnPaymentDeclined(@Payload() event: PaymentDeclinedV1) {
    return this.commands.execute(new SettleOrder(event.payload.orderId, { confirm: false, reason: 'PAYMENT_DECLINED' }));
  }
}
