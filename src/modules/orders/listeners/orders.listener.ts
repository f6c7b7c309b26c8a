import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Payload } from '@nestjs/microservices';
import { Listens } from '../../../platform/messaging/listens.decorator';
import {
  PaymentCapturedV1,
  PaymentDeclinedV1,
  ProductRegisteredV1,
  ProductUpdatedV1,
  StockReservationFailedV1,
} from '../../../contracts';
import { SettleOrder } from '../commands/settle-order.handler';
import { UpdateCatalog } from '../commands/update-catalog.handler';

const consumer = 'orders';

/** Incoming contract → command; no logic here. */
@Controller()
export class OrdersListener {
  constructor(private readonly commands: CommandBus) {}

  @Listens(ProductRegisteredV1, consumer)
  updateCatalogOnProductRegistered(@Payload() event: ProductRegisteredV1) {
    return this.commands.execute(new UpdateCatalog({ ...event.payload, version: event.aggregateVersion }));
  }

  @Listens(ProductUpdatedV1, consumer)
  updateCatalogOnProductUpdated(@Payload() event: ProductUpdatedV1) {
    return this.commands.execute(new UpdateCatalog({ ...event.payload, version: event.aggregateVersion }));
  }

  @Listens(StockReservationFailedV1, consumer)
  cancelOrderOnStockReservationFailed(@Payload() event: StockReservationFailedV1) {
    return this.commands.execute(new SettleOrder(event.payload.orderId, { confirm: false, reason: 'OUT_OF_STOCK' }));
  }

  @Listens(PaymentCapturedV1, consumer)
  confirmOrderOnPaymentCaptured(@Payload() event: PaymentCapturedV1) {
    return this.commands.execute(new SettleOrder(event.payload.orderId, { confirm: true }));
  }

  @Listens(PaymentDeclinedV1, consumer)
  cancelOrderOnPaymentDeclined(@Payload() event: PaymentDeclinedV1) {
    return this.commands.execute(new SettleOrder(event.payload.orderId, { confirm: false, reason: 'PAYMENT_DECLINED' }));
  }
}
