import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { connect, NatsConnection } from 'nats';
import { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { natsConnectOptions, natsStartupError } from './nats-connect-options';

const DIAL_TIMEOUT_MS = 3_000;

/** One NATS connection per process, reconnecting forever; closed last on shutdown. */
@Injectable()
export class NatsConnectionProvider implements OnApplicationShutdown {
  private readonly logger = new Logger('Nats');
  private connection?: Promise<NatsConnection>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get(): Promise<NatsConnection> {
    this.connection ??= this.open();
    return this.connection;
  }

  /** The server version, to use 2.10+ features only where the server has them. */
  async serverVersion(): Promise<[number, number, number]> {
    const version = (await this.get()).info?.version ?? '0.0.0';
    const [major, minor, patch] = version.split('.').map((n) => parseInt(n, 10) || 0);
    return [major, minor, patch];
  }

  async isConnected(): Promise<boolean> {
    // A first connection that failed is not connected (its error went to whoever asked for it).
    const nc = await this.connection?.catch(() => undefined);
    if (!nc || nc.isClosed()) return false;
    try {
      await nc.flush();
      return true;
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // The relays publish their last rows over this connection. They have stopped already: Nest
    // runs this global module's hook after the root's RelaysShutdown and each module's lifecycle.
    // A connection that never opened has nothing to drain; its failure was reported when it happened.
    const nc = await this.connection?.catch(() => undefined);
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }

  private async open(): Promise<NatsConnection> {
    const { servers } = this.config.nats;
    let nc: NatsConnection;
    try {
      nc = await connect({
        // A cluster is given as a comma list; the client fails over between them and learns the rest.
        ...natsConnectOptions(this.config.nats),
        name: `shop:${this.config.modules.join('+')}`,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        // Each dial's bound. nats.js waits for it even when the server hangs up after INFO (one
        // stopping mid-handshake): at its default of 20 s a restarted NATS went unseen that long (nats.go dials for 2 s).
        timeout: DIAL_TIMEOUT_MS,
        // A refusal after a reconnect (credentials rotated on the server first) is retried, not fatal:
        // the client would otherwise close for good and the process never recover without a restart.
        ignoreAuthErrorAbort: true,
        // The first connection fails fast: a refused password or certificate stops the boot with one message.
        waitOnFirstConnect: false,
        // The client otherwise captures two stack traces (new Error) per publish and request, to
        // decorate a timeout: the largest CPU item of the relay (~30 µs a row, measured in the bench).
        noAsyncTraces: true,
      });
    } catch (error) {
      throw natsStartupError(error, servers);
    }
    this.logger.log(`connected to ${nc.getServer()} (server ${nc.info?.version}${this.config.nats.tls ? ', TLS' : ''})`);
    void (async () => {
      let refused = false;
      for await (const status of nc.status()) {
        if (status.type === 'disconnect' || status.type === 'reconnect') this.logger.warn(`NATS ${status.type}`);
        if (status.type === 'reconnect') refused = false;
        // Once per outage: the reconnect loop would repeat it every attempt.
        if (status.type === 'error' && !refused && /authorization|authentication/i.test(String(status.data))) {
          refused = true;
          this.logger.error(`NATS refused the credentials (${String(status.data)}); retrying until it takes them again`);
        }
      }
    })();
    return nc;
  }
}
