import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Payload } from '@nestjs/microservices';
import { Listens } from '../../../platform/messaging/listens.decorator';
import { OrderCancelledV1, OrderPlacedV1, OrderPlacedV2, StockReservationFailedV1, StockReservedV1 } from '../../../contracts';
import { CancelPayment } from '../commands/cancel-payment.handler';
import { DepositPaymentCredential } from '../commands/deposit-payment-credential.handler';
import { RecordPaymentIntent } from '../commands/record-payment-intent.handler';
import { RequestCharge } from '../commands/request-charge.handler';

const consumer = 'payments';

/** Incoming contract → command; no logic here. */
@Controller()
export class PaymentsListener {
  constructor(private readonly commands: CommandBus) {}

  @Listens(OrderPlacedV2, consumer)
  recordIntentOnOrderPlaced(@Payload() event: OrderPlacedV2) {
    const { orderId, totalCents } = event.payload;
    return this.commands.execute(new RecordPaymentIntent({ orderId, amountCents: totalCents }));
  }

  /** v1 carried the card token in the event (the upcast to v2 drops it): take it as a hand-over. */
  @Listens(OrderPlacedV1, consumer, { onlyThisVersion: true })
  takeCardTokenOnOrderPlacedV1(@Payload() event: OrderPlacedV1) {
    const { orderId, paymentToken } = event.payload;
    return this.commands.execute(new DepositPaymentCredential({ orderId, paymentToken }));
  }

  @Listens(StockReservedV1, consumer)
  chargeOnStockReserved(@Payload() event: StockReservedV1) {
    return this.commands.execute(new RequestCharge(event.payload.orderId));
  }

  @Listens(StockReservationFailedV1, consumer)
  voidOnStockReservationFailed(@Payload() event: StockReservationFailedV1) {
    return this.commands.execute(new CancelPayment(event.payload.orderId));
  }

  @Listens(OrderCancelledV1, consumer)
  voidOrRefundOnOrderCancelled(@Payload() event: OrderCancelledV1) {
    return this.commands.execute(new CancelPayment(event.payload.orderId));
  }
}
