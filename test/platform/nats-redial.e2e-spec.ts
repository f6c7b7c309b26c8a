import { loadConfig } from '../../src/config/app-config';
import { NatsConnectionProvider } from '../../src/platform/messaging/nats-connection';
import { HoldingProxy } from '../support/holding-proxy';
import { describeWithNats } from '../support/requires-nats';
import { waitFor } from '../support/wait-for';

/** What a nats-server says first; the proxy says it, then hangs up once the client answers. */
const FAKE_INFO = 'INFO {"server_id":"hangs-up","version":"2.9.0","max_payload":1048576,"headers":true,"proto":1}\r\n';

/**
 * Found in CI: NATS restarted while the client was mid-handshake with the server going down, and
 * the app stayed 503 for 15 s. nats.js does not notice a hang-up after INFO; it waits out the
 * dial's timeout (20 s by default), so the provider bounds it.
 */
describeWithNats('NATS connection: a server that hangs up mid-handshake', () => {
  const gate = new HoldingProxy({ host: '127.0.0.1', port: 4222 });
  let provider: NatsConnectionProvider;

  afterAll(async () => {
    await provider?.onApplicationShutdown();
    await gate.close();
  });

  it('is redialled within seconds once a real server answers again, not after the client default of 20 s', async () => {
    provider = new NatsConnectionProvider(loadConfig({ NATS_URL: await gate.start() }));
    await provider.get();
    await expect(provider.isConnected()).resolves.toBe(true);

    gate.hangUpAfter(FAKE_INFO);
    gate.dropAll();
    await waitFor('a redial that was hung up on', () => gate.hangUps > 0, { timeoutMs: 10_000, intervalMs: 20 });
    gate.forward();
    const back = Date.now();
    // 12 s: the bound (3 s) with room for a loaded machine, well under the client's own 20 s.
    await waitFor('connected again', () => provider.isConnected(), { timeoutMs: 12_000, intervalMs: 100 });
    console.log(`connected again ${Date.now() - back} ms after the server answered`);
  });
});
