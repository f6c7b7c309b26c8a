import { EventContract } from '../../../contracts/event-contract';
import { PaymentCapturedV1 } from '../../../contracts/payments/payment-captured.v1';
import { PaymentDeclinedV1 } from '../../../contracts/payments/payment-declined.v1';
import { PaymentRefundedV1 } from '../../../contracts/payments/payment-refunded.v1';
import { NotYetError } from '../../../platform/domain-error';
import { ChargeResult } from './payment-gateway.port';

/**
 * PENDING → CHARGING → CAPTURED | DECLINED; PENDING → VOIDED; CAPTURED → REFUNDING → REFUNDED.
 * CHARGING and REFUNDING mean "the gateway call is recorded and due": it runs outside any
 * transaction and settles the payment afterwards.
 */
export type PaymentStatus = 'PENDING' | 'CHARGING' | 'CAPTURED' | 'DECLINED' | 'VOIDED' | 'REFUNDING' | 'REFUNDED';

export interface PaymentState {
  id: string;
  orderId: string;
  amountCents: number;
  status: PaymentStatus;
  declineReason: string | null;
  chargeId: string | null;
  /** The order was cancelled while its charge was in flight: a capture is refunded at once. */
  cancelRequested: boolean;
  version: number;
  createdAt: Date;
}

export interface RecordedEvent {
  contract: EventContract<string, any>;
  payload: unknown;
  version: number;
}

/** The payment of one order; every change moves its version, which orders its events. */
export class Payment {
  private events: RecordedEvent[] = [];

  private constructor(private state: PaymentState) {}

  static restore(state: PaymentState): Payment {
    return new Payment(state);
  }

  static intent(input: { id: string; orderId: string; amountCents: number }, now: Date): Payment {
    return new Payment({ ...input, status: 'PENDING', declineReason: null, chargeId: null, cancelRequested: false, version: 1, createdAt: now });
  }

  /** The order ended before its OrderPlaced reached payments: nothing may be charged for it later. */
  static voidedBeforeIntent(input: { id: string; orderId: string }, now: Date): Payment {
    return new Payment({
      ...input, amountCents: 0, status: 'VOIDED', declineReason: null, chargeId: null, cancelRequested: false, version: 1, createdAt: now,
    });
  }

  get snapshot(): Readonly<PaymentState> {
    return this.state;
  }

  /** PENDING or CHARGING: a charge may still need the card token. */
  get open(): boolean {
    return this.state.status === 'PENDING' || this.state.status === 'CHARGING';
  }

  /** The gateway call this payment waits for, if any. */
  get due(): 'charge' | 'refund' | undefined {
    return this.state.status === 'CHARGING' ? 'charge' : this.state.status === 'REFUNDING' ? 'refund' : undefined;
  }

  /** Stock is reserved: charge. False when already decided (a repeat, or cancelled first). */
  requestCharge(): boolean {
    if (this.state.status !== 'PENDING') return false;
    this.move({ status: 'CHARGING' });
    return true;
  }

  settleCharge(result: ChargeResult): boolean {
    if (this.state.status !== 'CHARGING') return false;
    const { id: paymentId, orderId, amountCents } = this.state;
    if (result.outcome === 'declined') {
      this.move({ status: 'DECLINED', declineReason: result.reason, chargeId: result.chargeId });
      this.record(PaymentDeclinedV1, { orderId, paymentId, reason: result.reason });
      return true;
    }
    this.move({ status: 'CAPTURED', chargeId: result.chargeId });
    this.record(PaymentCapturedV1, { orderId, paymentId, amountCents });
    if (this.state.cancelRequested) this.move({ status: 'REFUNDING' });
    return true;
  }

  /** The order was cancelled: void what is not charged, refund what is, never keep the money. */
  cancel(): boolean {
    switch (this.state.status) {
      case 'PENDING':
        this.move({ status: 'VOIDED' });
        return true;
      case 'CHARGING':
        if (this.state.cancelRequested) return false;
        this.move({ cancelRequested: true });
        return true;
      case 'CAPTURED':
        this.move({ status: 'REFUNDING' });
        return true;
      default:
        return false;
    }
  }

  settleRefund(): boolean {
    if (this.state.status !== 'REFUNDING') return false;
    const { id: paymentId, orderId, amountCents } = this.state;
    this.move({ status: 'REFUNDED' });
    this.record(PaymentRefundedV1, { orderId, paymentId, amountCents });
    return true;
  }

  pullEvents(): RecordedEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  private move(change: Partial<PaymentState>): void {
    this.state = { ...this.state, ...change, version: this.state.version + 1 };
  }

  private record<P>(contract: EventContract<string, P>, payload: P): void {
    this.events.push({ contract, payload, version: this.state.version });
  }
}

/** Orders hands the card token over beside the stream: it may come after StockReserved. */
export class CardTokenNotReceivedYetError extends NotYetError {
  constructor(orderId: string) {
    super(`no card token for order ${orderId} yet`);
  }
}

/** A card token that is gone for good: the order cannot be charged, and its deadline cancels it. */
export class CardTokenDroppedError extends Error {
  constructor(orderId: string) {
    super(`the card token of order ${orderId} was dropped when its OrderPlaced v1 was parked: it cannot be charged (its deadline cancels it)`);
  }
}

/** The intent is recorded from OrderPlaced, which may arrive after StockReserved: try later. */
export class IntentNotRecordedYetError extends NotYetError {
  constructor(orderId: string) {
    super(`no payment intent for order ${orderId} yet`);
  }
}
