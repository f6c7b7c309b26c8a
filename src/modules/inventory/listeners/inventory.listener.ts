import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { EventPattern, Payload } from '@nestjs/microservices';
import { OrderCancelledV1, OrderConfirmedV1, OrderPlaced, OrderPlacedV2 } from '../../../contracts';
import { ReserveStock } from '../commands/reserve-stock.handler';
import { SettleReservation } from '../commands/settle-reservation.handler';

const consumer = { consumer: 'inventory' };

/** Incoming contract → command; no logic here. */
@Controller()
export class InventoryListener {
  constructor(private readonly commands: CommandBus) {}

  @EventPattern(OrderPlacedV2.type, consumer)
  reserveStockOnOrderPlaced(@Payload() event: OrderPlaced) {
    const lines = event.payload.items.map(({ sku, quantity }) => ({ sku, quantity }));
    return this.commands.execute(new ReserveStock(event.payload.orderId, lines));
  }

  @EventPattern(OrderCancelledV1.type, consumer)
  releaseStockOnOrderCancelled(@Payload() event: OrderCancelledV1) {
    return this.commands.execute(new SettleReservation(event.payload.orderId, 'RELEASED'));
  }

  @EventPattern(OrderConfirmedV1.type, consumer)
  commitStockOnOrderConfirmed(@Payload() event: OrderConfirmedV1) {
    return this.commands.execute(new SettleReservation(event.payload.orderId, 'COMMITTED'));
  }
}
