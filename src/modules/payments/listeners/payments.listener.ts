import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { EventPattern, Payload } from '@nestjs/microservices';
import { OrderCancelledV1, OrderPlaced, OrderPlacedV2, StockReservationFailedV1, StockReservedV1 } from '../../../contracts';
import { CancelPayment } from '../commands/cancel-payment.handler';
import { RecordPaymentIntent } from '../commands/record-payment-intent.handler';
import { RequestCharge } from '../commands/request-charge.handler';

const consumer = { consumer: 'payments' };

/** Incoming contract → command; no logic here. */
@Controller()
export class PaymentsListener {
  constructor(private readonly commands: CommandBus) {}

  @EventPattern(OrderPlacedV2.type, consumer)
  recordIntentOnOrderPlaced(@Payload() event: OrderPlaced) {
    const { orderId, totalCents } = event.payload;
    const legacyToken = 'paymentToken' in event.payload ? event.payload.paymentToken : undefined;
    return this.commands.execute(new RecordPaymentIntent({ orderId, amountCents: totalCents }, legacyToken));
  }

  @EventPattern(StockReservedV1.type, consumer)
  chargeOnStockReserved(@Payload() event: StockReservedV1) {
    return this.commands.execute(new RequestCharge(event.payload.orderId));
  }

  @EventPattern(StockReservationFailedV1.type, consumer)
  voidOnStockReservationFailed(@Payload() event: StockReservationFailedV1) {
    return this.commands.execute(new CancelPayment(event.payload.orderId));
  }

  @EventPattern(OrderCancelledV1.type, consumer)
  voidOrRefundOnOrderCancelled(@Payload() event: OrderCancelledV1) {
    return this.commands.execute(new CancelPayment(event.payload.orderId));
  }
}
