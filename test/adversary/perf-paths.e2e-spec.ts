import { AddressInfo, connect, Socket } from 'node:net';
import { HttpLoad } from '../../src/platform/http/http-load';
import { describeWithNats } from '../support/requires-nats';
import { InProcessShop } from '../support/shop/in-process-shop';
import { waitFor } from '../support/wait-for';

const ORDER = JSON.stringify({
  customerId: '0193a2b4-0000-7000-8000-000000000001',
  customerEmail: 'ada@example.com',
  items: [{ sku: 'PERF-1', quantity: 1 }],
  paymentToken: 'tok_visa',
});

/** ADVERSARY on the performance paths: consumers giving way to HTTP must never be held back for good by a client. */
describeWithNats('adversary: performance paths (monolith over JetStream)', () => {
  const shop = new InProcessShop('adv_perf');
  let load: HttpLoad;
  let port: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    await shop.setUp();
    load = shop.app.get(HttpLoad, { strict: false });
    port = (shop.app.getHttpServer().address() as AddressInfo).port;
    await shop.registerProduct('PERF-1', 100, 1_000);
  }, 60_000);
  afterEach(() => sockets.splice(0).forEach((s) => s.destroy()));
  afterAll(() => shop.tearDown());

  const open = (raw: string): Promise<Socket> =>
    new Promise((done) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(raw);
        done(socket);
      });
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      sockets.push(socket);
    });

  it('50 requests trickling their bodies are not being answered: consumers are not throttled, 20 orders confirm, nothing is left counted', async () => {
    for (let i = 0; i < 50; i++) {
      await open(`POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${ORDER.length}\r\n\r\n${ORDER.slice(0, 10)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
    // Before: each counted from its headers, forever (Fastify has no request timeout), so one socket throttled every module.
    expect(load.requests).toBe(0);
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await shop.placeOrder([{ sku: 'PERF-1', quantity: 1 }])).body.orderId);
    const finals = await shop.finalOrders(ids, 30_000);
    console.log(`20 orders final in ${Date.now() - started} ms with 50 trickling bodies held open`);
    expect(finals.map((o) => o.status)).toEqual(ids.map(() => 'CONFIRMED'));
    sockets.splice(0).forEach((s) => s.destroy());
    await waitFor('no request counted', () => load.requests === 0, { timeoutMs: 5_000 });
  }, 60_000);

  it('clients gone right after a whole body, or with pipelined requests queued: the count returns to 0', async () => {
    const post = `POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${ORDER.length}\r\n\r\n${ORDER}`;
    const get = `GET /orders/0193a2b4-0000-7000-8000-00000000dead HTTP/1.1\r\nHost: x\r\n\r\n`;
    const gone: Promise<void>[] = [];
    for (let i = 0; i < 30; i++) {
      const raw = i % 3 === 0 ? post + post + get : i % 3 === 1 ? post : get + post;
      gone.push(open(raw).then((s) => void setTimeout(() => s.destroy(), i % 5)));
    }
    await Promise.all(gone);
    // Before: a POST whose client left after its body got neither onResponse nor onRequestAbort, and stayed counted.
    const settled = await waitFor('no request counted', () => (load.requests === 0 ? true : undefined), { timeoutMs: 10_000 }).catch(() => false);
    console.log(`requests still counted: ${load.requests}`);
    expect(settled).toBe(true);
    expect(load.busy).toBe(false);
  }, 30_000);

  it('requests that fail (404, 400, refused content type) and a live /flow stream leave nothing counted', async () => {
    await shop.http('GET', '/no/such/path');
    await shop.http('POST', '/orders', '{not json', { 'content-type': 'application/json' });
    await shop.http('POST', '/orders', 'x', { 'content-type': 'text/plain' });
    const flow = await open(`GET /flow/events HTTP/1.1\r\nHost: x\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 300));
    expect(load.requests).toBe(0);
    flow.destroy();
  }, 30_000);
});
