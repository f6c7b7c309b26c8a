import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { Clock } from '../../../platform/clock';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { Outbox } from '../../../platform/outbox/outbox';
import { Order, OrderState, PlaceOrderInput } from '../domain/order.aggregate';
import { IdempotencyKeyReusedError } from '../domain/orders.errors';
import { CatalogRepository } from '../infrastructure/catalog.repository';
import { orderEvents } from '../infrastructure/order-events';
import { OrderRepository, StoredOrder } from '../infrastructure/order.repository';
import { PaymentHandoffRepository } from '../infrastructure/payment-handoff.repository';
import { PaymentHandoffWorker } from '../infrastructure/payment-handoff.worker';
import { CLAIM_MS as HANDOFF_CLAIM_MS } from './hand-over-payment-credentials.handler';

export class PlaceOrder {
  constructor(
    readonly request: Omit<PlaceOrderInput, 'id'> & { paymentToken: string },
    readonly idempotencyKey?: string,
  ) {}
}

/**
 * Prices the order from the local catalog snapshot and stores it with OrderPlaced in one
 * transaction, and the card token beside it for the hand-off to payments (never in the event). The same Idempotency-Key and body answer the first order again (also when
 * the retries race: the unique key makes the losers wait, then read the winner).
 */
@CommandHandler(PlaceOrder)
export class PlaceOrderHandler implements ICommandHandler<PlaceOrder, OrderState> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly outbox: Outbox,
    private readonly orders: OrderRepository,
    private readonly catalog: CatalogRepository,
    private readonly handoffs: PaymentHandoffRepository,
    private readonly handoffWorker: PaymentHandoffWorker,
    private readonly clock: Clock,
  ) {}

  execute({ request, idempotencyKey }: PlaceOrder): Promise<OrderState> {
    const idempotency = idempotencyKey ? { key: idempotencyKey, hash: fingerprint(request) } : undefined;
    return this.tx.run(async (m) => {
      if (idempotency) {
        const first = await this.orders.findByIdempotencyKey(m, idempotency.key);
        if (first) return replay(first, idempotency.hash);
      }
      const prices = await this.catalog.prices(m, request.lines.map((l) => l.sku));
      const order = Order.place({ ...request, id: uuidv7() }, prices, this.clock.now());
      if (!(await this.orders.insert(m, order, idempotency))) {
        return replay((await this.orders.findByIdempotencyKey(m, idempotency!.key))!, idempotency!.hash);
      }
      await this.outbox.append(m, orderEvents(order));
      // Recorded claimed and handed over once committed, with the tokens placed meanwhile: a claim
      // statement per hand-over was a round trip and a commit of every order, and a request per
      // order (runNow) cost a third of the closed-loop POST rate (367 → 255/s).
      const handoff = { orderId: order.snapshot.id, paymentToken: request.paymentToken };
      await this.handoffs.insert(m, handoff.orderId, handoff.paymentToken, HANDOFF_CLAIM_MS);
      this.tx.afterCommit(() => this.handoffWorker.handOver(handoff));
      return order.snapshot;
    });
  }
}

function replay(first: StoredOrder, hash: string): OrderState {
  if (first.requestHash !== hash) throw new IdempotencyKeyReusedError();
  // The answer to the first request, as it was then.
  return { ...first, status: 'PENDING', cancellationReason: null, version: 1, updatedAt: first.createdAt };
}

function fingerprint(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
