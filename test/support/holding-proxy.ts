import { connect, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of a server whose replies can be held: once `hold()` is called, what the
 * client sends still reaches the server, but nothing comes back. Put between a relay and NATS,
 * it leaves the relay mid-batch: its messages are on the stream, its PubAcks never arrive.
 * `hangUpAfter(greeting)` plays a server stopping mid-handshake instead: new connections get the
 * greeting and are closed as soon as the client speaks, until `forward()`.
 */
export class HoldingProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private held = false;
  private greeting?: string;
  /** Connections closed in the hang-up mode. */
  hangUps = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<string> {
    this.server = createServer((client) => this.pair(client));
    await new Promise<void>((listening) => this.server!.listen(0, '127.0.0.1', listening));
    return `nats://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  hold(): void {
    this.held = true;
  }

  hangUpAfter(greeting: string): void {
    this.greeting = greeting;
  }

  forward(): void {
    this.greeting = undefined;
  }

  /** Closes every connection through the proxy, as a server going away does. */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise((closed) => (this.server ? this.server.close(closed) : closed(undefined)));
  }

  private pair(client: Socket): void {
    if (this.greeting !== undefined) return this.hangUp(client, this.greeting);
    const upstream = connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => this.held || client.write(chunk));
  }

  private hangUp(client: Socket, greeting: string): void {
    this.sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => this.sockets.delete(client));
    client.write(greeting);
    client.once('data', () => {
      this.hangUps++;
      client.destroy();
    });
  }
}
