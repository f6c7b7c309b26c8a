import { randomUUID } from 'node:crypto';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { SendDueEmails, SendDueEmailsHandler } from '../../src/modules/notifications/commands/send-due-emails.handler';
import { Email } from '../../src/modules/notifications/domain/templates';
import { NotificationRepository, OutgoingEmail } from '../../src/modules/notifications/infrastructure/notification.repository';
import { GroupWriter } from '../../src/platform/group-writer';
import { Logger } from '@nestjs/common';
import { propagation } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { EventEnvelope } from '../../src/contracts/event-envelope';
import { inOneTransaction } from '../../src/platform/messaging/group-transaction';
import { PreparedDelivery } from '../../src/platform/messaging/prepared-delivery';
import { tracingSwitch } from '../../src/platform/observability/tracing/tracing-switch';
import { InProcessShop } from '../support/shop/in-process-shop';
import { waitFor } from '../support/wait-for';

/**
 * A review's attacks on e-mails marked sent in groups (GroupWriter, in the
 * platform). Real Postgres; the in-process transport (no broker needed). The handler is the app's
 * own SendDueEmailsHandler; only its mailer (and, per test, its logger or repository) is wrapped.
 */

type Internals = { mailer: { send: (e: Email) => Promise<void> }; logger: { warn: (m: string) => void }; tx: any; notifications: NotificationRepository };

/**
 * One tracer provider for the file, registered by the first test that needs one: the app's tracer
 * (a proxy) keeps the first provider it finds, so a second one would never see a span.
 */
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let registered = false;
const withProvider = () => {
  if (!registered) provider.register();
  registered = true;
};
afterAll(async () => {
  if (!registered) return;
  await provider.shutdown();
  // --runInBand: the suites after this one run in this process, untraced.
  trace.disable();
  context.disable();
  propagation.disable();
});

describe('attacks: GroupWriter (pure)', () => {
  it('an add made as a previous add resolves (before the drain has cleared `writing`) is written, not stranded for ever', async () => {
    const written: number[][] = [];
    const writer = new GroupWriter<number>(async (items) => void written.push(items), () => undefined);
    let second: Promise<boolean> | undefined;
    // A caller that adds its next item as soon as its previous one is written (a chained send, a retry loop).
    await writer.add(1).then(() => {
      second = writer.add(2);
    });
    const outcome = await Promise.race([second!, new Promise((r) => setTimeout(() => r('never resolved'), 500))]);
    await writer.idle();
    expect({ outcome, written }).toEqual({ outcome: true, written: [[1], [2]] });
  });
});

describe('attacks: e-mail marks (real Postgres)', () => {
  const shop = new InProcessShop('marksatk', { NATS_URL: '' });
  let handler: SendDueEmailsHandler;
  let internals: Internals;
  let realMailer: Internals['mailer'];
  const mailed: string[] = [];
  let closed = false;

  beforeAll(async () => {
    await shop.setUp();
    handler = shop.app.get(SendDueEmailsHandler, { strict: false });
    internals = handler as unknown as Internals;
    realMailer = internals.mailer;
    internals.mailer = { send: async (e) => void mailed.push(e.subject) };
  }, 60_000);
  afterAll(async () => {
    if (internals) internals.mailer = realMailer;
    // The last test closes the app itself.
    if (closed) await shop.db?.drop();
    else await shop.tearDown();
  });
  beforeEach(() => (mailed.length = 0));

  /** E-mails recorded as SendNotification records them: claimed for 60 s by this process. */
  const claimed = async (subjects: string[]): Promise<OutgoingEmail[]> => {
    const ids = subjects.map(() => randomUUID());
    await shop.db.query(
      `INSERT INTO notifications.notifications (id, order_id, template, "to", subject, body, claimed_until)
       SELECT id, gen_random_uuid(), 'order-received', 'ada@example.com', subject, 'hello', now() + interval '60 seconds'
       FROM unnest($1::uuid[], $2::text[]) AS t(id, subject)`,
      [ids, subjects],
    );
    return ids.map((id, n) => ({ id, to: 'ada@example.com', subject: subjects[n], text: 'hello' }));
  };
  const unmarked = async (ids: string[]) =>
    (await shop.db.query<{ id: string }>(`SELECT id FROM notifications.notifications WHERE id = ANY($1::uuid[]) AND sent_at IS NULL`, [ids])).map((r) => r.id);

  const refuseMarksOf = async (subjectLike: string) => {
    await shop.db.query(`CREATE OR REPLACE FUNCTION notifications.refuse_mark() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.sent_at IS NOT NULL AND NEW.subject LIKE '${subjectLike}' THEN RAISE EXCEPTION 'mark refused'; END IF; RETURN NEW; END $$`);
    await shop.db.query(`CREATE TRIGGER refuse_mark BEFORE UPDATE ON notifications.notifications FOR EACH ROW EXECUTE FUNCTION notifications.refuse_mark()`);
  };
  const allowMarks = () => shop.db.query(`DROP TRIGGER IF EXISTS refuse_mark ON notifications.notifications`);

  it('HOLDS: a mark the database refuses: the run resolves, a warning says so, the e-mail stays claimed and is sent (and marked) again once its claim runs out', async () => {
    const warnings: string[] = [];
    const warn = jest.spyOn(internals.logger, 'warn').mockImplementation((m: string) => void warnings.push(m));
    const [email] = await claimed(['Atk refused once']);
    await refuseMarksOf('Atk refused once');
    try {
      await expect(handler.execute(new SendDueEmails(1, [email]))).resolves.toBe(1);
      expect(warnings).toEqual([expect.stringMatching(/^1 sent e-mails not marked sent \(mark refused\)/)]);
      expect(await unmarked([email.id])).toEqual([email.id]);
    } finally {
      await allowMarks();
      warn.mockRestore();
    }
    await shop.db.query(`UPDATE notifications.notifications SET claimed_until = now() - interval '1 second' WHERE id = $1`, [email.id]);
    await waitFor('re-sent and marked by a round', async () => (await unmarked([email.id])).length === 0, { timeoutMs: 15_000 });
    expect(mailed.filter((s) => s === 'Atk refused once')).toHaveLength(2);
  });

  it("one e-mail whose mark fails does not take down the marks of the e-mails sent beside it (each was marked on its own before grouping)", async () => {
    const emails = await claimed(['Atk poisoned mark', 'Atk neighbour 1', 'Atk neighbour 2']);
    await refuseMarksOf('Atk poisoned%');
    const warn = jest.spyOn(internals.logger, 'warn').mockImplementation(() => undefined);
    try {
      await handler.execute(new SendDueEmails(3, emails));
      // Only the poisoned one should be left to be sent again; its neighbours went out fine.
      expect(await unmarked(emails.map((e) => e.id))).toEqual([emails[0].id]);
    } finally {
      await allowMarks();
      warn.mockRestore();
      await shop.db.query(`UPDATE notifications.notifications SET sent_at = now() WHERE id = ANY($1::uuid[])`, [emails.map((e) => e.id)]);
    }
  });

  it('every e-mail one run sends with the database healthy is marked sent, or a warning names the ones that were not (10,050 at once: past the cap of 10,000)', async () => {
    const warnings: string[] = [];
    const warn = jest.spyOn(internals.logger, 'warn').mockImplementation((m: string) => void warnings.push(m));
    const emails = await claimed(Array.from({ length: 10_050 }, (_, n) => `Atk burst ${n}`));
    try {
      await expect(handler.execute(new SendDueEmails(emails.length, emails))).resolves.toBe(10_050);
      expect(mailed).toHaveLength(10_050);
      const left = await unmarked(emails.map((e) => e.id));
      // Each unmarked one is mailed again after its claim (a duplicate to a customer): at the least it must be said.
      expect({ unmarked: left.length, unmarkedWithoutAWarning: warnings.length ? 0 : left.length }).toEqual({ unmarked: 0, unmarkedWithoutAWarning: 0 });
    } finally {
      warn.mockRestore();
      await shop.db.query(`UPDATE notifications.notifications SET sent_at = now() WHERE id = ANY($1::uuid[])`, [emails.map((e) => e.id)]);
    }
  });

  it("an e-mail's mark does not run in another e-mail's trace (each ran in its own before grouping)", async () => {
    // Registering a provider installs the async context manager the app's spans use.
    withProvider();
    const repository = internals.notifications;
    const markSent = repository.markSent;
    const seen: { ids: string[]; traceId?: string }[] = [];
    repository.markSent = function (this: NotificationRepository, m, ids) {
      seen.push({ ids: [...ids], traceId: trace.getSpanContext(context.active())?.traceId });
      return markSent.call(this, m, ids);
    };
    const traceA = 'a'.repeat(32);
    const traceB = 'b'.repeat(32);
    const within = (traceId: string, work: () => Promise<unknown>) =>
      context.with(trace.setSpan(ROOT_CONTEXT, trace.wrapSpanContext({ traceId, spanId: '00f067aa0ba902b7', traceFlags: 1 })), work);
    try {
      const [a, b] = await claimed(['Atk trace A', 'Atk trace B']);
      // Two orders' e-mails sent at once (two runNow runs after two commits), each in its order's trace.
      await Promise.all([within(traceA, () => handler.execute(new SendDueEmails(1, [a]))), within(traceB, () => handler.execute(new SendDueEmails(1, [b])))]);
      const markOfB = seen.filter((s) => s.ids.includes(b.id));
      expect(markOfB.map((s) => s.traceId)).not.toContain(traceA);
    } finally {
      repository.markSent = markSent;
    }
  });

  it('HOLDS: a graceful stop while e-mails are being sent (a slow mail server) leaves every sent e-mail marked sent and none claimed', async () => {
    const subjects = Array.from({ length: 12 }, (_, n) => `Atk stop ${n}`);
    const ids = subjects.map(() => randomUUID());
    internals.mailer = { send: async (e) => void (await new Promise((r) => setTimeout(r, 150)), mailed.push(e.subject)) };
    // Unclaimed: the polling rounds take them (8 a round), as after a crash.
    await shop.db.query(
      `INSERT INTO notifications.notifications (id, order_id, template, "to", subject, body)
       SELECT id, gen_random_uuid(), 'order-received', 'ada@example.com', subject, 'hello' FROM unnest($1::uuid[], $2::text[]) AS t(id, subject)`,
      [ids, subjects],
    );
    await waitFor('a round claimed some', async () => (await shop.db.query(`SELECT 1 FROM notifications.notifications WHERE id = ANY($1::uuid[]) AND claimed_until > now()`, [ids])).length > 0, { intervalMs: 5 });
    closed = true;
    await shop.app.close();
    const rows = await shop.db.query<{ subject: string; sent: boolean; claimed: boolean }>(
      `SELECT subject, sent_at IS NOT NULL AS sent, coalesce(claimed_until > now(), false) AS claimed FROM notifications.notifications WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const sent = new Set(mailed.filter((s) => s.startsWith('Atk stop')));
    expect(sent.size).toBeGreaterThan(0);
    expect(rows.filter((r) => sent.has(r.subject) !== r.sent || r.claimed)).toEqual([]);
  });
});

// Last: tracing stays switched on in this file's module registry once turned on.
describe('attacks: grouped process spans', () => {
  it("a group whose handler throws a value errorText cannot print (a BigInt field): every member's process span still ends", async () => {
    withProvider();
    exporter.reset();
    tracingSwitch.turnOn();
    const tx = { lead: () => undefined, flushTail: async () => undefined };
    // A module whose transaction runs the work and rolls back when it throws (the real runner's contract).
    const module = { transactions: { current: () => undefined, run: async (work: (t: unknown) => Promise<unknown>) => work(tx) }, inbox: { recordAtCommit: () => true } };
    const member = (n: number, handle: () => Promise<void>): [never, PreparedDelivery] => {
      const event = { id: randomUUID(), type: 'probe.ThingHappened', version: 1, correlationId: randomUUID(), occurredAt: new Date().toISOString(), payload: { n } } as unknown as EventEnvelope;
      const prepared = {
        consumer: 'probe', module, park: async () => ({ kind: 'ack', duplicate: false }), event,
        runs: [[{ handle, version: 1, onlyThisVersion: false }, event]],
        context: { correlationId: event.correlationId, causationId: event.id },
        traced: { consumer: 'probe', group: 'probe_ThingHappened', destination: 'probe.ThingHappened', event, bodySize: 10 },
      } as unknown as PreparedDelivery;
      return [{ raw: '{}', delivery: 1, enter: (work: () => Promise<unknown>) => work() } as never, prepared];
    };
    // e.g. a driver's error object (not an Error) carrying a bigint: JSON.stringify throws on it.
    const group = [member(1, async () => undefined), member(2, async () => Promise.reject({ code: 'E1', at: 1n }))];
    const outcome = await inOneTransaction('probe', group, new Logger('attack')).then((v) => v, (e: Error) => `rejected: ${e.message}`);
    await new Promise((r) => setTimeout(r, 200));
    const ended = exporter.getFinishedSpans().length;
    // Either way (false, or a rejection as before the spans waited for their group), the two spans started must have ended.
    expect({ outcome, ended }).toEqual({ outcome: false, ended: 2 });
  });
});
