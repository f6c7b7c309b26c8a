import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { EventPattern, Payload } from '@nestjs/microservices';
import { OrderCancelledV1, OrderConfirmedV1, OrderPlaced, OrderPlacedV2 } from '../../../contracts';
import { SendNotification } from '../commands/send-notification.handler';

const consumer = { consumer: 'notifications' };

/** Incoming contract → command; no logic here. */
@Controller()
export class NotificationsListener {
  constructor(private readonly commands: CommandBus) {}

  @EventPattern(OrderPlacedV2.type, consumer)
  emailOnOrderPlaced(@Payload() { payload }: OrderPlaced) {
    return this.commands.execute(new SendNotification('order-received', { orderId: payload.orderId, to: payload.customerEmail }));
  }

  @EventPattern(OrderConfirmedV1.type, consumer)
  emailOnOrderConfirmed(@Payload() { payload }: OrderConfirmedV1) {
    const { orderId, customerEmail: to, totalCents } = payload;
    return this.commands.execute(new SendNotification('order-confirmed', { orderId, to, totalCents }));
  }

  @EventPattern(OrderCancelledV1.type, consumer)
  emailOnOrderCancelled(@Payload() { payload }: OrderCancelledV1) {
    const { orderId, customerEmail: to, reason } = payload;
    return this.commands.execute(new SendNotification('order-cancelled', { orderId, to, reason }));
  }
}
