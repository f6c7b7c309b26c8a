import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** Sent as is: may hold bytes no HTTP client library would send. */
  target: Buffer | string;
  headers: [string, Buffer | string][];
  body?: Buffer;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One request on its own connection, written byte for byte (odd methods, invalid UTF-8, huge
 * headers), with `Connection: close`; the answer is read until the server closes. Status 0: the
 * server closed without answering.
 */
export function rawRequest(port: number, request: RawRequest, timeoutMs = 10_000): Promise<RawAnswer> {
  const head = [
    Buffer.from(`${request.method} `, 'latin1'),
    Buffer.from(request.target as string),
    Buffer.from(` HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n`, 'latin1'),
    ...request.headers.map(([name, value]) => Buffer.concat([Buffer.from(`${name}: `, 'latin1'), Buffer.from(value as string), Buffer.from('\r\n')])),
    Buffer.from(request.body ? `Content-Length: ${request.body.length}\r\n\r\n` : '\r\n', 'latin1'),
  ];
  return new Promise((done, fail) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => (socket.destroy(), fail(new Error(`no end of answer within ${timeoutMs} ms`))), timeoutMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => undefined); // a reset after the answer is still an answer
    socket.on('close', () => {
      clearTimeout(timer);
      done(parseAnswer(Buffer.concat(chunks)));
    });
    socket.write(Buffer.concat([...head, request.body ?? Buffer.alloc(0)]));
  });
}

function parseAnswer(raw: Buffer): RawAnswer {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) return { status: 0, headers: {}, body: raw.toString('latin1') };
  const [statusLine, ...lines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(split + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body: body.toString('utf8') };
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
