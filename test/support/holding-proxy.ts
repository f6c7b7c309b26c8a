import { connect, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of a server whose replies can be held: once `hold()` is called, what the
 * client sends still reaches the server, but nothing comes back. Put between a relay and NATS,
 * it leaves the relay mid-batch: its messages are on the stream, its PubAcks never arrive.
 */
export class HoldingProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private held = false;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<string> {
    this.server = createServer((client) => this.pair(client));
    await new Promise<void>((listening) => this.server!.listen(0, '127.0.0.1', listening));
    return `nats://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  hold(): void {
    this.held = true;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((closed) => (this.server ? this.server.close(closed) : closed(undefined)));
  }

  private pair(client: Socket): void {
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
}
