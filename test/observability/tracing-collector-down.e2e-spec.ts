import { createServer, Server, Socket } from 'node:net';
import { AppProcess } from '../support/shop/app-process';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/** A collector that takes connections and never answers (hung, or a firewall dropping replies). */
async function blackHole(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

describe('tracing with a collector that never answers', () => {
  let db: TestDatabase;
  let collector: Awaited<ReturnType<typeof blackHole>>;
  let app: AppProcess;

  beforeAll(async () => {
    db = await createTestDatabase('otel_blackhole');
    collector = await blackHole();
    app = await new AppProcess('otel-blackhole', {
      DATABASE_URL: db.url,
      MESSAGING_NAMESPACE: 'otel_blackhole',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      // The exporter would wait this long for the collector: only the app's own limit can end it sooner.
      OTEL_EXPORTER_OTLP_TIMEOUT: '120000',
      OTEL_BSP_EXPORT_TIMEOUT: '120000',
    }).start();
  });

  afterAll(async () => {
    await app?.kill().catch(() => undefined);
    await collector?.close();
    await db?.drop();
  });

  it('given spans waiting for it, when the app gets SIGTERM, then it still exits cleanly within its grace period', async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${app.url}/products`)).status).toBeLessThan(500);
    expect(await app.stop(20_000)).toEqual({ code: 0, signal: null });
  });
});
