import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Payload } from '@nestjs/microservices';
import { Listens } from '../../../platform/messaging/listens.decorator';
import { OrderCancelledV1, OrderConfirmedV1, OrderPlacedV2 } from '../../../contracts';
import { ReserveStock } from '../commands/reserve-stock.handler';
import { SettleReservation } from '../commands/settle-reservation.handler';

const consumer = 'inventory';

/** Incoming contract → command; no logic here. */
@Controller()
export class InventoryListener {
  constructor(private readonly commands: CommandBus) {}

  @Listens(OrderPlacedV2, consumer)
  reserveStockOnOrderPlaced(@Payload() event: OrderPlacedV2) {
    const lines = event.payload.items.map(({ sku, quantity }) => ({ sku, quantity }));
    return this.commands.execute(new ReserveStock(event.payload.orderId, lines));
  }

  @Listens(OrderCancelledV1, consumer)
  releaseStockOnOrderCancelled(@Payload() event: OrderCancelledV1) {
    return this.commands.execute(new SettleReservation(event.payload.orderId, 'RELEASED'));
  }

  @Listens(OrderConfirmedV1, consumer)
  commitStockOnOrderConfirmed(@Payload() event: OrderConfirmedV1) {
    return this.commands.execute(new SettleReservation(event.payload.orderId, 'COMMITTED'));
  }
}
