import { randomUUID } from 'node:crypto';
import { sleep } from './chaos-random';

export interface LoadProduct {
  sku: string;
  priceCents: number;
}

export interface ClientOutcome {
  key: string;
  /** The order id of the first 201; undefined when no 201 came before the client's deadline. */
  orderId?: string;
  attempts: number;
  /** A 201 naming another order for the same key, or a 4xx: the client was wronged. */
  conflict?: string;
  startedAt: number;
  answeredAt?: number;
}

export interface LoadOptions {
  baseUrl: () => string;
  products: LoadProduct[];
  requestTimeoutMs: number;
  clientDeadlineMs: number;
  random: () => number;
}

/**
 * One customer placing one order the way a careful client does: an Idempotency-Key, and the same
 * request again (same key) after no answer, a timeout or a 5xx, until its deadline.
 */
export async function placeWithRetries(options: LoadOptions, declined = false): Promise<ClientOutcome> {
  const { products, random } = options;
  const lines = new Map<string, number>();
  for (let i = 0, n = 1 + Math.floor(random() * 2); i < n; i++) {
    const sku = products[Math.floor(random() * products.length)].sku;
    lines.set(sku, (lines.get(sku) ?? 0) + 1 + Math.floor(random() * 2));
  }
  const body = JSON.stringify({
    customerId: randomUUID(),
    customerEmail: 'chaos@example.com',
    items: [...lines].map(([sku, quantity]) => ({ sku, quantity })),
    paymentToken: declined ? 'tok_chargeDeclined' : 'tok_visa',
  });
  const outcome: ClientOutcome = { key: randomUUID(), attempts: 0, startedAt: Date.now() };
  const deadline = outcome.startedAt + options.clientDeadlineMs;
  while (Date.now() < deadline) {
    outcome.attempts++;
    try {
      const response = await fetch(`${options.baseUrl()}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': outcome.key },
        body,
        signal: AbortSignal.timeout(options.requestTimeoutMs),
      });
      const text = await response.text();
      if (response.status === 201) {
        outcome.orderId = JSON.parse(text).orderId;
        outcome.answeredAt = Date.now();
        return outcome;
      }
      if (response.status < 500 && response.status !== 429) {
        outcome.conflict = `${response.status} ${text.slice(0, 200)}`;
        return outcome;
      }
    } catch {
      /* no answer (refused, reset, timed out): the same request again */
    }
    await sleep(200 + random() * 800);
  }
  return outcome;
}

/** A steady open-loop load: one new client every 1/rate s, whatever the earlier ones are doing. */
export class OrderLoad {
  readonly clients: Promise<ClientOutcome>[] = [];
  private stopped = false;

  constructor(
    private readonly options: LoadOptions,
    private readonly ratePerSecond: number,
    private readonly declinedShare = 0.1,
  ) {}

  async run(durationMs: number): Promise<void> {
    const started = Date.now();
    const interval = 1000 / this.ratePerSecond;
    for (let n = 0; !this.stopped && Date.now() - started < durationMs; n++) {
      this.clients.push(placeWithRetries(this.options, this.options.random() < this.declinedShare));
      await sleep(Math.max(0, started + (n + 1) * interval - Date.now()));
    }
  }

  stop(): void {
    this.stopped = true;
  }

  settled(): Promise<ClientOutcome[]> {
    return Promise.all(this.clients);
  }
}
