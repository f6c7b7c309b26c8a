import { ErrorCode, NatsError } from 'nats';
import { natsConnectOptions, natsStartupError } from './nats-connect-options';
import { StartupError } from '../startup-error';

describe('natsConnectOptions', () => {
  const servers = ['nats://n1:4222', 'nats://n2:4222'];

  it('passes the servers without credentials, and user/pass or the token as options', () => {
    expect(natsConnectOptions({ servers, namespace: '', auth: { user: 'u', pass: 'p' } })).toEqual({ servers, user: 'u', pass: 'p' });
    expect(natsConnectOptions({ servers, namespace: '', auth: { token: 't' } })).toEqual({ servers, token: 't' });
    expect(natsConnectOptions({ servers, namespace: '' })).toEqual({ servers });
  });

  it('makes TLS required with the configured files, even with none (tls://)', () => {
    expect(natsConnectOptions({ servers, namespace: '', tls: {} }).tls).toEqual({});
    expect(natsConnectOptions({ servers, namespace: '', tls: { caFile: '/ca.pem' } }).tls).toEqual({ caFile: '/ca.pem' });
  });
});

describe('natsStartupError', () => {
  const servers = ['nats://n1:4222'];

  it.each([
    [new NatsError('Authorization Violation', ErrorCode.AuthorizationViolation), /^NATS refused the credentials \(Authorization Violation\) at nats:\/\/n1:4222: check /],
    [Object.assign(new Error('unable to verify the first certificate'), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), /^TLS with NATS failed at nats:\/\/n1:4222: unable to verify/],
    [new NatsError('tls', ErrorCode.ServerOptionNotAvailable), /does not offer TLS/],
    [new NatsError('CONNECTION_REFUSED', ErrorCode.ConnectionRefused), /^no NATS server answered at nats:\/\/n1:4222$/],
    [new NatsError('TIMEOUT', ErrorCode.Timeout), /^no NATS handshake within the dial timeout at nats:\/\/n1:4222 \(is a NATS server/],
    [new Error('boom at nats://u:secret@n1:4222'), /^cannot connect to NATS at nats:\/\/n1:4222: boom at nats:\/\/u:\*\*\*@n1:4222$/],
  ])('turns %s into one operator message', (error, expected) => {
    const startup = natsStartupError(error, servers);
    expect(startup).toBeInstanceOf(StartupError);
    expect(startup.message).toMatch(expected);
    expect(startup.message).not.toContain('secret');
  });
});
