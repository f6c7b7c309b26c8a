import { createServer } from 'node:net';

/**
 * Ports handed out by this process: the OS may give a closed port out again at once, and two
 * apps started side by side on the same port would both pass the health check of the one that
 * bound it (the other exits with EADDRINUSE, and its module never runs).
 */
const handedOut = new Set<number>();

/** A TCP port free on the loopback right now (the OS picks it), never one this process handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((done) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => done(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
