import { SMTPServer } from 'smtp-server';
import { NATS_AVAILABLE } from '../support/requires-nats';
import { freePort } from '../support/free-port';
import { InProcessShop } from '../support/shop/in-process-shop';
import { Received, startSmtp, stopSmtp } from '../support/smtp';
import { waitFor } from '../support/wait-for';

/** How long the mail server refuses connections (FAULT_SECONDS; the "minutes" in the long run). */
const OUTAGE_MS = Number(process.env.FAULT_SECONDS ?? 15) * 1000;

/**
 * One module's dependency down must not touch the others: with the SMTP server refusing every
 * connection, orders, stock and payments end exactly as when it works; when it comes back, every
 * e-mail goes out once.
 */
describe('fault isolation: SMTP refusing connections', () => {
  let shop: InProcessShop;
  let smtp: SMTPServer | undefined;
  let port: number;
  const received: Received[] = [];

  beforeAll(async () => {
    port = await freePort(); // nothing listens there yet: connections are refused
    shop = await new InProcessShop('isolate', { SMTP_URL: `smtp://127.0.0.1:${port}`, ...(NATS_AVAILABLE ? {} : { NATS_URL: '' }) }).setUp();
  });
  afterAll(async () => {
    await shop?.tearDown();
    if (smtp) await stopSmtp(smtp);
  });

  it('the saga ends as usual while no e-mail can be sent, and each e-mail goes out once when SMTP is back', async () => {
    await shop.registerProduct('ISO-1', 500, 10);
    const started = Date.now();
    const requests = [
      ...Array.from({ length: 8 }, () => ({ sku: 'ISO-1', quantity: 1, token: 'tok_visa' })),
      ...Array.from({ length: 2 }, () => ({ sku: 'ISO-1', quantity: 1, token: 'tok_chargeDeclined' })),
      { sku: 'ISO-1', quantity: 50, token: 'tok_visa' },
    ];
    const placed = await Promise.all(requests.map((r) => shop.placeOrder([{ sku: r.sku, quantity: r.quantity }], r.token)));
    const ids = placed.map((p) => p.body.orderId as string);
    const finals = await shop.finalOrders(ids, 60_000);
    expect(finals.map((o) => o.cancellationReason ?? o.status)).toEqual([
      ...Array(8).fill('CONFIRMED'),
      ...Array(2).fill('PAYMENT_DECLINED'),
      'OUT_OF_STOCK',
    ]);
    await waitFor('stock settled', async () => (await shop.product('ISO-1')).sold === 8);
    expect(await shop.product('ISO-1')).toMatchObject({ available: 2, reserved: 0, sold: 8 });
    // Payments voids the out-of-stock order's intent beside the cancel: wait for it, then read every payment.
    const statuses = async () => Promise.all(ids.map(async (id) => (await shop.http('GET', `/payments?orderId=${id}`)).body[0]?.status));
    const expected = ids.map((_, i) => (i < 8 ? 'CAPTURED' : i < 10 ? 'DECLINED' : 'VOIDED'));
    await waitFor('every payment decided', async () => JSON.stringify(await statuses()) === JSON.stringify(expected), { timeoutMs: 15_000 });
    expect(await statuses()).toEqual(expected);
    const deadLetters = await shop.db.query(`SELECT consumer, type, error FROM inventory.dead_letter UNION ALL SELECT consumer, type, error FROM payments.dead_letter
      UNION ALL SELECT consumer, type, error FROM orders.dead_letter UNION ALL SELECT consumer, type, error FROM notifications.dead_letter`);
    expect(deadLetters).toEqual([]);

    // The outage goes on; nothing was sent, and nothing is lost.
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - started))));
    expect(received).toHaveLength(0);
    const sent = await Promise.all(ids.map(async (id) => (await shop.http('GET', `/notifications?orderId=${id}`)).body.length));
    expect(sent.every((n) => n === 0)).toBe(true);

    smtp = await startSmtp(received, port);
    await waitFor('22 e-mails', () => received.length >= 22, { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(received).toHaveLength(22);
    const subjects = (pattern: RegExp) => received.filter((m) => pattern.test(m.subject)).length;
    expect([subjects(/^We received/), subjects(/is confirmed$/), subjects(/was cancelled$/)]).toEqual([11, 8, 3]);

    const { result, report } = await shop.verify(ids, { 'ISO-1': 10 });
    if (!result.ok) console.log(report);
    expect(result.violations).toEqual([]);
  });
});
