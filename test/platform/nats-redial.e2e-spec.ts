import { createServer, Server, Socket, connect as tcpConnect } from 'node:net';
import { loadConfig } from '../../src/config/app-config';
import { NatsConnectionProvider } from '../../src/platform/messaging/nats-connection';
import { describeWithNats } from '../support/requires-nats';
import { waitFor } from '../support/wait-for';

const NATS_PORT = 4222;
const FAKE_INFO = 'INFO {"server_id":"hangs-up","version":"2.9.0","max_payload":1048576,"headers":true,"proto":1}\r\n';

/**
 * A TCP switch in front of the local nats-server: `forward` pipes to it; `hang-up` answers INFO
 * and closes once the client speaks, as a server stopping in the middle of a handshake does.
 */
class NatsSwitch {
  mode: 'forward' | 'hang-up' = 'forward';
  hangUps = 0;
  private readonly sockets = new Set<Socket>();
  private server?: Server;

  async start(): Promise<number> {
    this.server = createServer((client) => {
      this.track(client);
      if (this.mode === 'hang-up') {
        client.write(FAKE_INFO);
        client.once('data', () => {
          this.hangUps++;
          client.destroy();
        });
        return;
      }
      const upstream = this.track(tcpConnect(NATS_PORT, '127.0.0.1'));
      client.pipe(upstream).pipe(client);
      const close = () => (client.destroy(), upstream.destroy());
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((listening) => this.server!.listen(0, '127.0.0.1', listening));
    return (this.server.address() as { port: number }).port;
  }

  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise((closed) => this.server?.close(closed));
  }

  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    return socket;
  }
}

/**
 * Found in CI: NATS restarted while the client was mid-handshake with the server going down, and
 * the app stayed 503 for 15 s. nats.js does not notice a hang-up after INFO; it waits out the
 * dial's timeout (20 s by default), so the provider bounds it.
 */
describeWithNats('NATS connection: a server that hangs up mid-handshake', () => {
  const gate = new NatsSwitch();
  let provider: NatsConnectionProvider;

  afterAll(async () => {
    await provider?.onApplicationShutdown();
    await gate.close();
  });

  it('is redialled within seconds once a real server answers again, not after the client default of 20 s', async () => {
    const port = await gate.start();
    provider = new NatsConnectionProvider(loadConfig({ NATS_URL: `nats://127.0.0.1:${port}` }));
    await provider.get();
    await expect(provider.isConnected()).resolves.toBe(true);

    gate.mode = 'hang-up';
    gate.dropAll();
    await waitFor('a redial that was hung up on', () => gate.hangUps > 0, { timeoutMs: 10_000, intervalMs: 20 });
    gate.mode = 'forward';
    const back = Date.now();
    // 12 s: the bound (3 s) with room for a loaded machine, well under the client's own 20 s.
    await waitFor('connected again', () => provider.isConnected(), { timeoutMs: 12_000, intervalMs: 100 });
    console.log(`connected again ${Date.now() - back} ms after the server answered`);
  });
});
