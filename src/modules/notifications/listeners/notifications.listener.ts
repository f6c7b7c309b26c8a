import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Payload } from '@nestjs/microservices';
import { Listens } from '../../../platform/messaging/listens.decorator';
import { OrderCancelledV1, OrderConfirmedV1, OrderPlacedV2 } from '../../../contracts';
import { SendNotification } from '../commands/send-notification.handler';

const consumer = 'notifications';

/** Incoming contract → command; no logic here. */
@Controller()
export class NotificationsListener {
  constructor(private readonly commands: CommandBus) {}

  @Listens(OrderPlacedV2, consumer)
  emailOnOrderPlaced(@Payload() { payload }: OrderPlacedV2) {
    return this.commands.execute(new SendNotification('order-received', { orderId: payload.orderId, to: payload.customerEmail }));
  }

  @Listens(OrderConfirmedV1, consumer)
  emailOnOrderConfirmed(@Payload() { payload }: OrderConfirmedV1) {
    const { orderId, customerEmail: to, totalCents } = payload;
    return this.commands.execute(new SendNotification('order-confirmed', { orderId, to, totalCents }));
  }

  @Listens(OrderCancelledV1, consumer)
  emailOnOrderCancelled(@Payload() { payload }: OrderCancelledV1) {
    const { orderId, customerEmail: to, reason } = payload;
    return this.commands.execute(new SendNotification('order-cancelled', { orderId, to, reason }));
  }
}
