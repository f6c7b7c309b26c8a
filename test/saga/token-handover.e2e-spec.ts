import { randomUUID } from 'node:crypto';
import { InProcessShop } from '../support/shop/in-process-shop';
import { waitFor } from '../support/wait-for';

/**
 * A placed order's card token is recorded claimed in the order's transaction and handed to
 * payments right after the commit by the process that placed it (PaymentHandoffWorker.handOver):
 * no claim statement per order. Triggers of the test's own log every write to the hand-over table.
 */
describe('card tokens handed over after the commit, without a claim', () => {
  const shop = new InProcessShop('handover', { NATS_URL: '' });

  beforeAll(async () => {
    await shop.setUp();
    await shop.db.query(`
      CREATE TABLE public.handoff_writes (op text NOT NULL, claimed_ms double precision);
      CREATE FUNCTION public.log_handoff_write() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO public.handoff_writes VALUES (TG_OP, CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE extract(epoch FROM NEW.claimed_until - now()) * 1000 END);
        RETURN NULL;
      END $$;
      CREATE TRIGGER log_handoff_write AFTER INSERT OR UPDATE OR DELETE ON orders.payment_handoffs FOR EACH ROW EXECUTE FUNCTION public.log_handoff_write();`);
  });
  afterAll(() => shop.tearDown());

  it('orders placed together are confirmed; each token was recorded claimed, never claimed by a statement, and deleted once handed over', async () => {
    await shop.registerProduct('HANDOVER-1', 250, 100);
    const placed = await Promise.all(Array.from({ length: 6 }, () => shop.placeOrder([{ sku: 'HANDOVER-1', quantity: 1 }])));
    for (const p of placed) expect((await shop.finalOrder(p.body.orderId)).status).toBe('CONFIRMED');
    const writes = await shop.db.query<{ op: string; claimed_ms: number | null }>('SELECT op, claimed_ms FROM public.handoff_writes');
    const inserts = writes.filter((w) => w.op === 'INSERT');
    expect(inserts).toHaveLength(placed.length);
    // Claimed for the hand-over's lease (15 s) from the order's own transaction.
    for (const w of inserts) expect(w.claimed_ms).toBeGreaterThan(10_000);
    // Negative control: handed over by the worker's rounds, each token was claimed by an UPDATE first.
    expect(writes.filter((w) => w.op === 'UPDATE')).toEqual([]);
    expect(writes.filter((w) => w.op === 'DELETE')).toHaveLength(placed.length);
    expect(await shop.db.query('SELECT 1 FROM orders.payment_handoffs')).toEqual([]);
  });

  it('a token left claimed by a process that died is handed over by a round once its claim runs out', async () => {
    const orderId = randomUUID();
    // A PENDING order like the first one, and its token as the dead process left it: claimed for 700 ms more.
    await shop.db.query(
      `INSERT INTO orders.orders SELECT (jsonb_populate_record(null::orders.orders,
         to_jsonb(o) || jsonb_build_object('id', $1::text, 'status', 'PENDING', 'idempotency_key', null))).* FROM orders.orders o LIMIT 1`,
      [orderId],
    );
    await shop.db.query(`INSERT INTO orders.payment_handoffs (id, payment_token, claimed_until) VALUES ($1, 'tok_visa', now() + interval '700 milliseconds')`, [orderId]);
    const started = Date.now();
    await waitFor('payments holding the token', async () => (await shop.db.query('SELECT 1 FROM payments.payment_credentials WHERE order_id = $1', [orderId])).length === 1, { timeoutMs: 15_000, intervalMs: 50 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    await waitFor('the hand-over row gone', async () => (await shop.db.query('SELECT 1 FROM orders.payment_handoffs WHERE id = $1', [orderId])).length === 0);
  });
});
