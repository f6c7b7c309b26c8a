import { CancellationReason } from '../../../contracts/shared-schemas';

export type Template = 'order-received' | 'order-confirmed' | 'order-cancelled';

export interface Email {
  to: string;
  subject: string;
  text: string;
}

const REASONS: Record<CancellationReason, string> = {
  OUT_OF_STOCK: 'an item is out of stock',
  PAYMENT_DECLINED: 'the payment was declined',
  TIMED_OUT: 'it could not be completed in time',
};

/** The three e-mails of the saga, rendered from event data only. */
export function render(template: Template, data: { orderId: string; to: string; totalCents?: number; reason?: string }): Email {
  const ref = data.orderId.slice(0, 8);
  switch (template) {
    case 'order-received':
      return { to: data.to, subject: `We received your order ${ref}`, text: `Order ${data.orderId} is being processed.` };
    case 'order-confirmed':
      return {
        to: data.to,
        subject: `Your order ${ref} is confirmed`,
        text: `Order ${data.orderId} is confirmed. Total: ${formatCents(data.totalCents ?? 0)}.`,
      };
    case 'order-cancelled':
      return {
        to: data.to,
        subject: `Your order ${ref} was cancelled`,
        text: `Order ${data.orderId} was cancelled because ${REASONS[data.reason as CancellationReason] ?? 'of a problem'}.`,
      };
  }
}

const formatCents = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
