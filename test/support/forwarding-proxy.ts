import { createServer, request, Server } from 'node:http';

export interface Answer {
  status: number;
  body: string;
}

/** A GET from a chosen loopback address (Linux routes all of 127/8 to lo): a distinct client per address. */
export function getFrom(localAddress: string, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request(url, { localAddress, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    req.end();
  });
}

/**
 * A reverse proxy as nginx's `proxy_add_x_forwarded_for` behaves: it appends the address of the
 * peer it saw to whatever X-Forwarded-For the client wrote, and talks to the app from `ownAddress`.
 */
export class ForwardingProxy {
  private server?: Server;

  constructor(
    private readonly target: string,
    private readonly ownAddress: string,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((incoming, outgoing) => {
      const forwarded = [incoming.headers['x-forwarded-for'], incoming.socket.remoteAddress].filter(Boolean).join(', ');
      const upstream = request(
        new URL(incoming.url ?? '/', this.target),
        { method: incoming.method, localAddress: this.ownAddress, headers: { ...incoming.headers, 'x-forwarded-for': forwarded } },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      upstream.on('error', () => outgoing.writeHead(502).end());
      incoming.pipe(upstream);
    });
    await new Promise<void>((listening) => this.server!.listen(0, '127.0.0.1', listening));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async close(): Promise<void> {
    await new Promise((closed) => (this.server ? this.server.close(closed) : closed(undefined)));
  }
}
