import { randomBytes } from 'node:crypto';
import { connect, NatsConnection } from 'nats';
import { v7 as uuidv7 } from 'uuid';
import { DEPOSIT_PAYMENT_CREDENTIAL } from '../../src/contracts/payments/deposit-payment-credential.request';
import { DEPOSIT_PAYMENT_CREDENTIALS, MAX_CREDENTIALS_PER_DEPOSIT } from '../../src/contracts/payments/deposit-payment-credentials.request';
import { describeWithNats } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { NATS_URL } from '../support/test-broker';
import { waitFor } from '../support/wait-for';
import { orderPlacedEnvelope } from '../support/envelopes';

/** Long enough for a deposit sent 2 s late to win, short enough for the deadline case to end in seconds. */
const ORDER_TIMEOUT_MS = 8_000;
const CUSTOMER = '0193a2b4-0000-7000-8000-000000000001';

/**
 * ADVERSARY (issue 9): the card-token hand-over attacked from the broker side. A raw NATS client
 * sends hostile requests to the SHOP-DIRECT subject, replays deposits after the decision, and
 * hands a token over only after StockReserved reached payments, or never. Nothing invalid may be
 * stored, nothing may be charged twice, and no token may outlive its order's decision.
 */
describeWithNats('adversary: the card-token hand-over (real Postgres, real JetStream, a raw NATS client)', () => {
  const shop = new InProcessShop('adv_token', { ORDER_TIMEOUT_MS: String(ORDER_TIMEOUT_MS) });
  let nc: NatsConnection;

  beforeAll(async () => {
    await shop.setUp();
    nc = await connect({ servers: NATS_URL });
    await shop.registerProduct('ADV-TOK', 500, 50);
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await shop.tearDown();
  });

  const subject = () => `SHOP-DIRECT.${shop.namespace}.${DEPOSIT_PAYMENT_CREDENTIAL}`;
  const deposit = async (data: Uint8Array | string) => {
    const reply = await nc.request(subject(), typeof data === 'string' ? new TextEncoder().encode(data) : data, { timeout: 5_000 });
    return JSON.parse(new TextDecoder().decode(reply.data)) as { ok: boolean; refused?: boolean; error?: string };
  };
  const credentials = () => shop.db.query<{ order_id: string; payment_token: string }>('SELECT order_id, payment_token FROM payments.payment_credentials');
  const handoffs = () => shop.db.query('SELECT id FROM orders.payment_handoffs');
  const payment = async (orderId: string) => (await shop.http('GET', `/payments?orderId=${orderId}`)).body[0];

  /** An order as orders committed it, minus the hand-over: its v2 OrderPlaced goes out, its token is the test's to send. */
  async function orderWithoutHandOver(): Promise<string> {
    const orderId = uuidv7();
    await shop.db.query(
      `INSERT INTO orders.orders (id, customer_id, customer_email, items, total_cents, status, version, created_at, updated_at)
       VALUES ($1, $2, 'ada@example.com', $3::jsonb, 500, 'PENDING', 1, now(), now())`,
      [orderId, CUSTOMER, JSON.stringify([{ sku: 'ADV-TOK', quantity: 1, unitPriceCents: 500 }])],
    );
    await shop.deliverLate(
      orderPlacedEnvelope(2, orderId, { customerId: CUSTOMER, customerEmail: 'ada@example.com', items: [{ sku: 'ADV-TOK', quantity: 1, unitPriceCents: 500 }], totalCents: 500 }),
    );
    return orderId;
  }

  it('hostile deposits are refused, echo no token, store nothing, and payments stays healthy', async () => {
    const secret = `tok_hostile_${randomBytes(6).toString('hex')}`;
    const cases: [string, Uint8Array | string][] = [
      ['garbage bytes', Uint8Array.from([0xff, 0xfe, 0x00, 0x7b])],
      ['empty', ''],
      ['null', 'null'],
      ['an array', JSON.stringify([{ orderId: uuidv7(), paymentToken: secret }])],
      ['a string', JSON.stringify(secret)],
      ['wrong types', JSON.stringify({ orderId: 42, paymentToken: { secret } })],
      ['not a uuid', JSON.stringify({ orderId: `x${secret}`, paymentToken: secret })],
      ['a token too long', JSON.stringify({ orderId: uuidv7(), paymentToken: `${secret}${'a'.repeat(128)}` })],
      ['a token with a quote', JSON.stringify({ orderId: uuidv7(), paymentToken: `${secret}"` })],
      ['an extra key', JSON.stringify({ orderId: uuidv7(), paymentToken: secret, amountCents: 1 })],
      ['a prototype key', `{"orderId":"${uuidv7()}","paymentToken":"${secret}","__proto__":{"ok":true}}`],
      ['deep nesting', '['.repeat(50_000) + ']'.repeat(50_000)],
      ['900 kB', JSON.stringify({ orderId: uuidv7(), paymentToken: secret, pad: 'x'.repeat(900_000) })],
    ];
    const seen: string[] = [];
    for (const [label, data] of cases) {
      const reply = await deposit(data);
      seen.push(`${label}: ${JSON.stringify(reply).slice(0, 160)}`);
      expect(reply).toMatchObject({ ok: false, refused: true });
      expect(reply.error).not.toContain(secret);
    }
    expect(await credentials()).toEqual([]);
    expect((await shop.http('GET', '/health')).status).toBe(200);
  });

  it('hostile batches are refused whole; a batch naming one order twice keeps the first token; decided orders keep nothing', async () => {
    const batch = async (data: unknown) => {
      const body = new TextEncoder().encode(typeof data === 'string' ? data : JSON.stringify(data));
      const reply = await nc.request(`SHOP-DIRECT.${shop.namespace}.${DEPOSIT_PAYMENT_CREDENTIALS}`, body, { timeout: 5_000 });
      return JSON.parse(new TextDecoder().decode(reply.data)) as { ok: boolean; refused?: boolean; error?: string };
    };
    const secret = `tok_batch_${randomBytes(6).toString('hex')}`;
    const one = () => ({ orderId: uuidv7(), paymentToken: secret });
    const refused: [string, unknown][] = [
      ['empty', { credentials: [] }],
      ['one too many', { credentials: Array.from({ length: MAX_CREDENTIALS_PER_DEPOSIT + 1 }, one) }],
      ['one bad token among good ones', { credentials: [one(), { orderId: uuidv7(), paymentToken: `${secret}'); --` }, one()] }],
      ['one bad order id', { credentials: [one(), { orderId: `${uuidv7()}'`, paymentToken: secret }] }],
      ['an extra key in one', { credentials: [one(), { ...one(), amountCents: 1 }] }],
      ['not an array', { credentials: one() }],
      ['a prototype key', `{"credentials":[{"orderId":"${uuidv7()}","paymentToken":"${secret}"}],"__proto__":{"ok":true}}`],
    ];
    for (const [label, data] of refused) {
      const reply = await batch(data);
      expect({ label, reply }).toMatchObject({ label, reply: { ok: false, refused: true } });
      expect(reply.error).not.toContain(secret);
    }
    expect(await credentials()).toEqual([]);

    // One order twice in a batch (a claim taken twice, a replay): one row, the first token, no error.
    const confirmed = (await shop.placeOrder([{ sku: 'ADV-TOK', quantity: 1 }], 'tok_visa')).body.orderId as string;
    expect(await shop.finalOrder(confirmed)).toMatchObject({ status: 'CONFIRMED' });
    const twice = uuidv7();
    const reply = await batch({
      credentials: [
        { orderId: twice, paymentToken: 'tok_first' },
        { orderId: confirmed, paymentToken: 'tok_afterDecision' },
        { orderId: twice, paymentToken: 'tok_second' },
      ],
    });
    expect(reply).toEqual({ ok: true });
    expect(await credentials()).toEqual([{ order_id: twice, payment_token: 'tok_first' }]);
    expect((await shop.executedChargeKeys()).filter((k) => k === confirmed)).toHaveLength(1);
    await shop.db.query('DELETE FROM payments.payment_credentials WHERE order_id = $1', [twice]);
    expect((await shop.http('GET', '/health')).status).toBe(200);
  });

  it('a deposit replayed after the decision, with another card, keeps nothing and charges nothing more', async () => {
    const placed = await shop.placeOrder([{ sku: 'ADV-TOK', quantity: 1 }], 'tok_visa');
    const orderId = placed.body.orderId;
    expect(await shop.finalOrder(orderId)).toMatchObject({ status: 'CONFIRMED' });
    for (const token of ['tok_visa', 'tok_replayedCard']) expect(await deposit(JSON.stringify({ orderId, paymentToken: token }))).toEqual({ ok: true });
    expect(await credentials()).toEqual([]);
    expect((await shop.executedChargeKeys()).filter((k) => k === orderId)).toHaveLength(1);
    expect(await payment(orderId)).toMatchObject({ status: 'CAPTURED', amountCents: 500 });
  });

  it('StockReserved that reaches payments before the token waits, then the late token completes the order once', async () => {
    const orderId = await orderWithoutHandOver();
    // Inventory reserved and payments heard of it; without a token nothing is charged.
    await waitFor('stock reserved', async () => (await shop.product('ADV-TOK')).reserved >= 1);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await payment(orderId)).toBeUndefined();
    expect((await shop.http('GET', `/orders/${orderId}`)).body.status).toBe('PENDING');

    expect(await deposit(JSON.stringify({ orderId, paymentToken: 'tok_visa' }))).toEqual({ ok: true });
    expect(await shop.finalOrder(orderId)).toMatchObject({ status: 'CONFIRMED' });
    await waitFor('the token dropped once captured', async () => (await credentials()).length === 0);
    expect((await shop.executedChargeKeys()).filter((k) => k === orderId)).toHaveLength(1);
  });

  it('a token that never comes: the deadline cancels, nothing is charged, stock comes back, a later deposit keeps nothing', async () => {
    const before = await shop.product('ADV-TOK');
    const orderId = await orderWithoutHandOver();
    expect(await shop.finalOrder(orderId, ORDER_TIMEOUT_MS + 20_000)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'TIMED_OUT' });
    await waitFor('the intent voided', async () => (await payment(orderId))?.status === 'VOIDED');
    await waitFor('the stock released', async () => (await shop.product('ADV-TOK')).available === before.available);

    expect(await deposit(JSON.stringify({ orderId, paymentToken: 'tok_tooLate' }))).toEqual({ ok: true });
    expect(await credentials()).toEqual([]);
    expect(await handoffs()).toEqual([]);
    expect((await shop.executedChargeKeys()).filter((k) => k === orderId)).toEqual([]);
  });

  it('after quiescence, no token is left in either table', async () => {
    expect(await credentials()).toEqual([]);
    expect(await handoffs()).toEqual([]);
  });
});
