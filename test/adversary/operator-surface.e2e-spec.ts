import { connect } from 'nats';
import { v7 as uuidv7 } from 'uuid';
import { AdminServer } from '../../src/platform/admin/admin-server';
import { ADMIN_FULL_TOKEN, ADMIN_TOKEN, bearer } from '../support/admin';
import { freePort } from '../support/free-port';
import { rawRequest } from '../support/raw-http';
import { describeWithNats } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { NATS_URL } from '../support/test-broker';
import { waitFor } from '../support/wait-for';

const EMAIL = 'grace.hopper@example.com';
const SECRET = 'tok_adversarySecret0123456789';
const adminSide = 'admin port:';
const publicSide = 'public port:';

/**
 * ADVERSARY (issue 9): the operator surface as an outsider and as a hostile producer see it. The
 * public port must never serve an operator endpoint or /metrics, whatever the path or method; the
 * bearer check must not bend; a dead-letter listing must show no e-mail to the operator scope and
 * no card token to anyone, whatever field a hostile or broken producer put them in.
 */
describeWithNats('adversary: the operator surface (real Postgres, real JetStream)', () => {
  let shop: InProcessShop;
  let publicPort: number;
  let adminPort: number;

  beforeAll(async () => {
    shop = new InProcessShop('adv_ops', { ADMIN_TOKEN, ADMIN_FULL_TOKEN, ADMIN_PORT: String(await freePort()) });
    await shop.setUp();
    adminPort = (await shop.app.get(AdminServer).listen('127.0.0.1'))!;
    publicPort = Number(new URL(await shop.app.getUrl()).port);
  }, 60_000);
  afterAll(() => shop?.tearDown());

  const raw = (port: number, method: string, target: string, headers: [string, string][] = []) => rawRequest(port, { method, target, headers });

  it.each([
    ['GET', '/dead-letters?module=orders'],
    ['GET', '/dead-letters/?module=orders'],
    ['GET', '//dead-letters?module=orders'],
    ['GET', '/DEAD-LETTERS?module=orders'],
    ['GET', '/dead-letters%3Fmodule=orders'],
    ['GET', '/%64ead-letters?module=orders'],
    ['GET', '/dead-letters;x?module=orders'],
    ['GET', '/./dead-letters?module=orders'],
    ['GET', '/x/../dead-letters?module=orders'],
    ['GET', 'http://127.0.0.1/dead-letters?module=orders'],
    ['HEAD', '/dead-letters?module=orders'],
    ['OPTIONS', '/dead-letters?module=orders'],
    ['POST', `/dead-letters/orders/${uuidv7()}/retry`],
    ['POST', `/dead-letters/orders/${uuidv7()}/retry/`],
    ['GET', '/metrics'],
    ['GET', '/metrics?x'],
    ['GET', '/metrics/'],
    ['GET', '/%6detrics'],
    ['GET', '/Metrics'],
    ['HEAD', '/metrics'],
    ['OPTIONS', '/metrics'],
  ])('the public port never serves %s %s, even with the credential', async (method, target) => {
    const answer = await raw(publicPort, method, target, [['Authorization', `Bearer ${ADMIN_FULL_TOKEN}`]]);
    expect(answer.status).toBe(404);
    expect(answer.body).not.toMatch(/shop_|process_cpu|"envelope"|"eventId"/);
    expect(answer.headers['www-authenticate']).toBeUndefined();
  });

  it.each([
    ['a second Authorization header with the right token after a wrong one', [['Authorization', 'Bearer wrong-token-0123456789'], ['Authorization', `Bearer ${ADMIN_TOKEN}`]]],
    ['the token in another header', [['X-Authorization', `Bearer ${ADMIN_TOKEN}`]]],
    ['the token after a tab', [['Authorization', `Bearer\t${ADMIN_TOKEN}`]]],
    ['the token split by a comma', [['Authorization', `Bearer ${ADMIN_TOKEN.slice(0, 8)},${ADMIN_TOKEN.slice(8)}`]]],
    ['two tokens in one header', [['Authorization', `Bearer ${ADMIN_TOKEN} Bearer ${ADMIN_TOKEN}`]]],
    ['a unicode look-alike of the token', [['Authorization', `Bearer ${ADMIN_TOKEN.replace('e', '\u0435')}`]]],
    ['a NUL inside', [['Authorization', `Bearer ${ADMIN_TOKEN}\u0000`]]],
    ['the token in the query', []],
  ] as [string, [string, string][]][])('the admin port refuses %s', async (_why, headers) => {
    const target = `/dead-letters?module=orders&access_token=${ADMIN_TOKEN}`;
    const answer = await raw(adminPort, 'GET', target, headers);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body).not.toContain('"envelope"');
  });

  it.each([
    [adminSide, 'GET', '/dead-letters?module=constructor'],
    [adminSide, 'GET', '/dead-letters?module=__proto__'],
    [adminSide, 'GET', '/dead-letters?module[]=orders'],
    [adminSide, 'GET', '/dead-letters?module=orders&module=payments'],
    [adminSide, 'GET', '/dead-letters?module=orders&reveal=personal&reveal=personal'],
    [adminSide, 'GET', '/dead-letters?module=orders&reveal[]=personal'],
    [adminSide, 'GET', '/dead-letters?module=%00'],
    [adminSide, 'GET', '/dead-letters?__proto__[module]=orders'],
    [adminSide, 'POST', '/dead-letters/orders/not-a-uuid/retry'],
    [adminSide, 'POST', `/dead-letters/constructor/${uuidv7()}/retry`],
    [adminSide, 'POST', `/dead-letters/%FF/${uuidv7()}/retry`],
    [publicSide, 'GET', '/payments?orderId[]=x'],
    [publicSide, 'GET', '/payments?orderId=%FF'],
    [publicSide, 'GET', '/payments?orderId=a&orderId=b'],
    [publicSide, 'GET', '/orders/%FF'],
    [publicSide, 'GET', '/notifications?orderId=%00'],
    [publicSide, 'GET', '/catalog/%C0%AF'],
  ])('%s %s %s: a 4xx in the error shape, never a 5xx', async (side, method, target) => {
    const answer = await raw(side === adminSide ? adminPort : publicPort, method, target, [['Authorization', `Bearer ${ADMIN_FULL_TOKEN}`]]);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(JSON.parse(answer.body)).toMatchObject({ statusCode: answer.status, error: expect.any(String), message: expect.any(String) });
  });

  it('a 64 kB Authorization header is refused without a 5xx, and the process stays healthy', async () => {
    const answer = await raw(adminPort, 'GET', '/dead-letters?module=orders', [['Authorization', `Bearer ${'a'.repeat(64 * 1024)}`]]);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect((await raw(publicPort, 'GET', '/health')).status).toBe(200);
  });

  describe('what a hostile or broken producer parks', () => {
    const orderId = uuidv7();
    const publish = async (data: string) => {
      const nc = await connect({ servers: NATS_URL });
      await nc.jetstream().publish(`${shop.namespace}.orders.OrderPlaced`, new TextEncoder().encode(data), { msgID: uuidv7() });
      await nc.close();
    };
    const parkedRows = (needle: string) =>
      shop.db.query(`SELECT t::text AS row FROM notifications.dead_letter t WHERE t::text LIKE '%' || $1 || '%'`, [needle]);
    const listing = async (token: string, query = '') => {
      const response = await fetch(`http://127.0.0.1:${adminPort}/dead-letters?module=notifications${query}`, { headers: bearer(token) });
      expect(response.status).toBe(200);
      return response.text();
    };

    beforeAll(async () => {
      // An envelope whose id is an e-mail address (a producer that put the wrong field there): invalid, parked.
      await publish(
        JSON.stringify({ id: EMAIL, type: 'orders.OrderPlaced', version: 2, payload: { orderId, customerEmail: EMAIL } }),
      );
      // Not JSON: the token unquoted, as a broken v1 producer might write it.
      await publish(`{"id":"${uuidv7()}","type":"orders.OrderPlaced","version":1,"payload":{"orderId":"${orderId}","paymentToken":${SECRET}}}`);
      await waitFor('both parked by notifications', async () => (await shop.db.query(`SELECT 1 FROM notifications.dead_letter`)).length >= 2);
    }, 30_000);

    it('the operator scope sees no e-mail address in any field (the event id included)', async () => {
      const text = await listing(ADMIN_TOKEN);
      expect(text).toContain(orderId);
      expect(text).not.toContain(EMAIL);
    });

    it('no scope sees a card token, quoted or not, and the dead-letter table keeps none', async () => {
      for (const text of [await listing(ADMIN_TOKEN), await listing(ADMIN_FULL_TOKEN, '&reveal=personal')]) {
        expect(text).toContain(orderId);
        expect(text).not.toContain(SECRET.slice(0, 12));
      }
      expect(await parkedRows(orderId)).not.toEqual([]);
      expect(await parkedRows(SECRET.slice(0, 12))).toEqual([]);
    });
  });
});
