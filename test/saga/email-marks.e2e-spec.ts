import { randomUUID } from 'node:crypto';
import { InProcessShop } from '../support/shop/in-process-shop';
import { waitFor } from '../support/wait-for';

/**
 * Sent e-mails are marked sent together (SendDueEmailsHandler's GroupWriter): e-mails a round
 * sends at once share one UPDATE, each marked once. The mail server is the log mailer (a fake:
 * SMTP is outside the product; test/saga/smtp-notifications sends over real SMTP).
 */
describe('e-mails marked sent in groups', () => {
  const shop = new InProcessShop('mailmarks', { NATS_URL: '' });

  beforeAll(() => shop.setUp());
  afterAll(() => shop.tearDown());

  it('e-mails one round sends are marked sent in one statement', async () => {
    const ids = Array.from({ length: 6 }, () => randomUUID());
    // Recorded unclaimed in one statement, as a crashed sender leaves them: one round claims them all (8 a round).
    await shop.db.query(
      `INSERT INTO notifications.notifications (id, order_id, template, "to", subject, body)
       SELECT id, gen_random_uuid(), 'order-received', 'ada@example.com', 'Mark me', 'hello' FROM unnest($1::uuid[]) AS id`,
      [ids],
    );
    const marked = async () =>
      (await shop.db.query<{ xids: number; sent: number; attempts: number }>(
        `SELECT count(DISTINCT xmin::text)::int AS xids, count(sent_at)::int AS sent, max(attempts)::int AS attempts
         FROM notifications.notifications WHERE id = ANY($1::uuid[])`,
        [ids],
      ))[0];
    await waitFor('every e-mail marked sent', async () => (await marked()).sent === ids.length, { timeoutMs: 15_000 });
    // Negative control: marked one by one (before the GroupWriter), the six rows had six xmins.
    expect(await marked()).toEqual({ xids: 1, sent: ids.length, attempts: 0 });
  });
});
