import { ForwardingProxy, getFrom } from '../support/forwarding-proxy';
import { InProcessShop } from '../support/shop/in-process-shop';

const PATH = '/inventory/products/NOPE'; // 404: counted by the API limit, stores nothing
let spoofs = 0;
/** A fresh X-Forwarded-For each time: what a client does to get a new rate-limit bucket per request. */
const spoofed = () => ({ 'x-forwarded-for': `203.0.113.${++spoofs % 250}` });

async function statuses(count: number, send: () => Promise<{ status: number }>): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await send()).status);
  return seen;
}

/**
 * TRUST_PROXY behind a proxy that appends the peer it saw (nginx's proxy_add_x_forwarded_for).
 * Every client below is a distinct loopback address; the limit is 3 a minute.
 */
describe.each([
  ['a hop count', '1'],
  ['the proxy address', '127.0.0.2'],
])('TRUST_PROXY as %s: a spoofed X-Forwarded-For does not escape the limit (in-process transport)', (_form, trustProxy) => {
  const shop = new InProcessShop('edge_proxy', { NATS_URL: '', TRUST_PROXY: trustProxy, RATE_LIMIT_PER_MINUTE: '3' });
  let app = '';
  let proxy: ForwardingProxy;
  let viaProxy = '';

  beforeAll(async () => {
    await shop.setUp();
    app = await shop.app.getUrl();
    proxy = new ForwardingProxy(app, '127.0.0.2');
    viaProxy = await proxy.start();
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await shop.tearDown();
  });

  it('through the proxy, a client writing a fresh X-Forwarded-For each time gets 429 on its 4th request', async () => {
    expect(await statuses(4, () => getFrom('127.0.0.3', `${viaProxy}${PATH}`, spoofed()))).toEqual([404, 404, 404, 429]);
  });

  it('through the proxy, each real client is counted alone: the address is the client\'s, not the proxy\'s', async () => {
    // 127.0.0.3 has spent its budget through this same proxy; 127.0.0.4 has not.
    expect(await statuses(3, () => getFrom('127.0.0.4', `${viaProxy}${PATH}`))).toEqual([404, 404, 404]);
    expect((await getFrom('127.0.0.4', `${viaProxy}${PATH}`)).status).toBe(429);
    expect((await getFrom('127.0.0.3', `${viaProxy}${PATH}`, spoofed())).status).toBe(429);
  });

  if (trustProxy !== '1') {
    it('straight to the app from an untrusted address, X-Forwarded-For is ignored', async () => {
      expect(await statuses(4, () => getFrom('127.0.0.5', `${app}${PATH}`, spoofed()))).toEqual([404, 404, 404, 429]);
    });
  }
});
