import { headers, Msg, NatsConnection } from 'nats';
import { PubAckLane, PubAckResult, pubAckOf } from './pub-ack-lane';

/** A connection that takes publishes and never answers: only the lane's timeout settles them. */
function silentConnection(): NatsConnection {
  return {
    options: {},
    subscribe: () => ({ closed: new Promise(() => undefined), isClosed: () => false }),
    publish: () => undefined,
    status: () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => undefined) }) }),
  } as unknown as NatsConnection;
}

const settledWithin = (result: Promise<PubAckResult>, ms: number) =>
  Promise.race([result, new Promise<'pending'>((done) => setTimeout(() => done('pending'), ms))]);

describe('PubAckLane timeouts', () => {
  afterEach(() => jest.restoreAllMocks());

  it('times a publish out when the wall clock is set back meanwhile (NTP step, VM resume)', async () => {
    const lane = new PubAckLane(silentConnection(), 200);
    const result = lane.publish('t.x', Buffer.from('{}'), headers());
    // An hour back: a deadline on the wall clock would hold this publish (and the relay's batch) for an hour.
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() - 3_600_000);
    expect(await settledWithin(result, 2_000)).toEqual({ kind: 'away', error: 'no PubAck within 200 ms' });
  });

  it('does not time a publish out early when the wall clock jumps forward', async () => {
    const lane = new PubAckLane(silentConnection(), 1_500);
    const result = lane.publish('t.x', Buffer.from('{}'), headers());
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 3_600_000);
    expect(await settledWithin(result, 600)).toBe('pending');
    expect(await settledWithin(result, 3_000)).toMatchObject({ kind: 'away' });
  });
});

describe('pubAckOf', () => {
  const reply = (text: string) => pubAckOf({ data: Buffer.from(text) } as unknown as Msg);

  it('takes a PubAck with its stream and sequence, first or duplicate', () => {
    expect(reply('{"stream":"S","seq":7}')).toEqual({ kind: 'ack', duplicate: false });
    expect(reply('{"stream":"S","seq":7,"domain":"hub","duplicate":true}')).toEqual({ kind: 'ack', duplicate: true });
  });

  it('takes no other object as a PubAck: a row is marked published only on what JetStream says', () => {
    // An echo or a stray responder on the subject: no sequence, or not JetStream's shape.
    for (const text of ['{}', '{"stream":"S"}', '{"stream":"S","seq":"7"}', '{"stream":"S","seq":0}', '{"stream":5,"seq":1}', '{"stream":"","seq":1}']) {
      expect(reply(text)).toMatchObject({ kind: 'refused' });
    }
  });
});
