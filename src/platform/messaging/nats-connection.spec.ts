import { createServer } from 'node:net';
import { loadConfig } from '../../config/app-config';
import { NatsConnectionProvider } from './nats-connection';

/** A loopback port nobody listens on. */
const deadPort = () =>
  new Promise<number>((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

describe('NatsConnectionProvider', () => {
  it('given a first connection that failed, reports it to whoever asked, then is not connected and shuts down quietly', async () => {
    const provider = new NatsConnectionProvider(loadConfig({ NATS_URL: `nats://127.0.0.1:${await deadPort()}` }));
    await expect(provider.get()).rejects.toThrow(/no NATS server answered/);
    await expect(provider.isConnected()).resolves.toBe(false);
    // The CLI closes its application after the command failed: the failure must not be reported twice.
    await expect(provider.onApplicationShutdown()).resolves.toBeUndefined();
  });
});
