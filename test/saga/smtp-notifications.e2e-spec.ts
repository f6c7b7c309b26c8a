import { SMTPServer } from 'smtp-server';
import { NATS_AVAILABLE } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { Received, smtpPort, startSmtp, stopSmtp } from '../support/smtp';
import { waitFor } from '../support/wait-for';

describe('notifications over real SMTP', () => {
  let world: InProcessShop;
  const received: Received[] = [];
  let smtp: SMTPServer;

  beforeAll(async () => {
    smtp = await startSmtp(received);
    const port = smtpPort(smtp);
    // Over JetStream where a broker runs, in-process otherwise: the mail path is the same.
    world = await new InProcessShop('smtp', { SMTP_URL: `smtp://127.0.0.1:${port}`, ...(NATS_AVAILABLE ? {} : { NATS_URL: '' }) }).setUp();
  });
  afterAll(async () => {
    await world?.tearDown();
    await stopSmtp(smtp);
  });

  it('the order-received, order-confirmed and order-cancelled e-mails arrive with the right recipients and subjects', async () => {
    await world.registerProduct('MAIL-1', 100, 10);
    const ok = await world.placeOrder([{ sku: 'MAIL-1', quantity: 1 }]);
    const declined = await world.http('POST', '/orders', {
      customerId: '0193a2b4-0000-7000-8000-000000000002',
      customerEmail: 'grace@example.com',
      items: [{ sku: 'MAIL-1', quantity: 1 }],
      paymentToken: 'tok_chargeDeclined',
    });
    await world.finalOrder(ok.body.orderId);
    await world.finalOrder(declined.body.orderId);

    await waitFor('four e-mails', () => received.length >= 4);
    const ref = (id: string) => id.slice(0, 8);
    expect(received).toEqual(
      expect.arrayContaining([
        { to: ['ada@example.com'], subject: `We received your order ${ref(ok.body.orderId)}` },
        { to: ['ada@example.com'], subject: `Your order ${ref(ok.body.orderId)} is confirmed` },
        { to: ['grace@example.com'], subject: `We received your order ${ref(declined.body.orderId)}` },
        { to: ['grace@example.com'], subject: `Your order ${ref(declined.body.orderId)} was cancelled` },
      ]),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(received).toHaveLength(4);
  });
});
