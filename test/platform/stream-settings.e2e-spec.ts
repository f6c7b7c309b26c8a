import { connect, millis } from 'nats';
import { loadConfig } from '../../src/config/app-config';
import { JetStreamProvisioner } from '../../src/platform/messaging/jetstream-provisioner';
import { NatsConnectionProvider } from '../../src/platform/messaging/nats-connection';
import { describeWithNats } from '../support/requires-nats';
import { deleteNamespace, NATS_URL, testNamespace } from '../support/test-broker';

describeWithNats('stream settings from configuration (real JetStream, one server)', () => {
  const namespace = testNamespace('streamcfg');
  const providers: NatsConnectionProvider[] = [];

  /** One boot's provisioning, as a process started with these variables would do it. */
  async function boot(env: Record<string, string>): Promise<string> {
    const config = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/x', NATS_URL, MESSAGING_NAMESPACE: namespace, ...env });
    const provider = new NatsConnectionProvider(config);
    providers.push(provider);
    return new JetStreamProvisioner(provider, config).ensureStream('orders');
  }

  async function streamConfig(name: string) {
    const nc = await connect({ servers: NATS_URL });
    try {
      return (await (await nc.jetstreamManager()).streams.info(name)).config;
    } finally {
      await nc.close();
    }
  }

  afterAll(async () => {
    for (const provider of providers) await provider.onApplicationShutdown();
    await deleteNamespace(namespace);
  });

  it('creates the stream with the configured values, and applies changed values to it at the next boot', async () => {
    const name = await boot({ STREAM_MAX_AGE_MS: '3600000', STREAM_DUPLICATE_WINDOW_MS: '60000' });
    let config = await streamConfig(name);
    expect([millis(config.max_age), millis(config.duplicate_window), config.num_replicas]).toEqual([3_600_000, 60_000, 1]);

    await boot({ STREAM_MAX_AGE_MS: '7200000', STREAM_DUPLICATE_WINDOW_MS: '30000' });
    config = await streamConfig(name);
    expect([millis(config.max_age), millis(config.duplicate_window), config.num_replicas]).toEqual([7_200_000, 30_000, 1]);
  });

  it('fails boot, naming the settings, for replicas a single server cannot hold; the stream keeps its settings', async () => {
    const name = await boot({});
    await expect(boot({ STREAM_REPLICAS: '3' })).rejects.toThrow(/NATS refused the settings of stream .*num_replicas 3.*not part of a cluster.*STREAM_REPLICAS/);
    expect((await streamConfig(name)).num_replicas).toBe(1);
  });
});
