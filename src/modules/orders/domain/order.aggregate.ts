import { EventContract } from '../../../contracts/event-contract';
import { OrderCancelledV1 } from '../../../contracts/orders/order-cancelled.v1';
import { OrderConfirmedV1 } from '../../../contracts/orders/order-confirmed.v1';
import { OrderPlacedV2 } from '../../../contracts/orders/order-placed.v2';
import { CancellationReason } from '../../../contracts/shared-schemas';
import { UnknownSkuError } from './orders.errors';

export type { CancellationReason };
export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'CANCELLED';

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface OrderState {
  id: string;
  customerId: string;
  customerEmail: string;
  items: OrderLine[];
  totalCents: number;
  status: OrderStatus;
  cancellationReason: CancellationReason | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface RecordedEvent {
  contract: EventContract<string, any>;
  payload: unknown;
}

export interface PlaceOrderInput {
  id: string;
  customerId: string;
  customerEmail: string;
  lines: { sku: string; quantity: number }[];
}

/** The order: priced once at placement, then PENDING → CONFIRMED | CANCELLED, never back. */
export class Order {
  private events: RecordedEvent[] = [];

  private constructor(private state: OrderState) {}

  static restore(state: OrderState): Order {
    return new Order(state);
  }

  static place(input: PlaceOrderInput, prices: ReadonlyMap<string, number>, now: Date): Order {
    const unknown = [...new Set(input.lines.map((l) => l.sku).filter((sku) => !prices.has(sku)))];
    if (unknown.length > 0) throw new UnknownSkuError(unknown);
    const items = input.lines.map(({ sku, quantity }) => ({ sku, quantity, unitPriceCents: prices.get(sku)! }));
    const totalCents = items.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);
    const { id, customerId, customerEmail } = input;
    const order = new Order({
      id,
      customerId,
      customerEmail,
      items,
      totalCents,
      status: 'PENDING',
      cancellationReason: null,
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
    order.record(OrderPlacedV2, { orderId: id, customerId, customerEmail, items, totalCents });
    return order;
  }

  /** False when the order is already final: a late or repeated outcome changes nothing. */
  confirm(now: Date): boolean {
    if (this.state.status !== 'PENDING') return false;
    this.transition({ status: 'CONFIRMED' }, now);
    const { id: orderId, customerEmail, totalCents } = this.state;
    this.record(OrderConfirmedV1, { orderId, customerEmail, totalCents });
    return true;
  }

  cancel(reason: CancellationReason, now: Date): boolean {
    if (this.state.status !== 'PENDING') return false;
    this.transition({ status: 'CANCELLED', cancellationReason: reason }, now);
    this.record(OrderCancelledV1, { orderId: this.state.id, customerEmail: this.state.customerEmail, reason });
    return true;
  }

  get snapshot(): Readonly<OrderState> {
    return this.state;
  }

  pullEvents(): RecordedEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  private transition(change: Partial<OrderState>, now: Date): void {
    this.state = { ...this.state, ...change, version: this.state.version + 1, updatedAt: now };
  }

  private record<P>(contract: EventContract<string, P>, payload: P): void {
    this.events.push({ contract, payload });
  }
}
