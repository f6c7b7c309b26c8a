import { headers, JsMsg, Msg, MsgHdrs, NatsConnection } from 'nats';
import { LOST_AFTER_MS, Pull, PullRequests } from './pull-requests';

/** A connection that records subscriptions and publishes, and lets the test play the broker. */
function fakeBroker() {
  let deliver: (error: Error | null, msg: Msg) => void = () => undefined;
  let subject = '';
  const requests: { subject: string; body: { batch: number; expires: number }; reply: string }[] = [];
  const subscriptions: string[] = [];
  let unsubscribed = 0;
  const nc = {
    subscribe: (s: string, opts: { callback: typeof deliver }) => {
      subject = s;
      subscriptions.push(s);
      deliver = opts.callback;
      return { unsubscribe: () => unsubscribed++ };
    },
    publish: (s: string, data: string, opts: { reply: string }) => requests.push({ subject: s, body: JSON.parse(data), reply: opts.reply }),
  } as unknown as NatsConnection;
  const message = (subj: string, data: string, hdrs?: MsgHdrs, reply?: string) =>
    ({ subject: subj, data: Buffer.from(data), headers: hdrs, reply, sid: 1, string: () => data }) as unknown as Msg;
  return {
    nc,
    requests,
    subscriptions,
    get unsubscribed() {
      return unsubscribed;
    },
    get inbox() {
      return subject.slice(0, -2);
    },
    /** A JetStream delivery: its own subject, the ack subject as its reply. */
    deliver: (data: string, hdrs?: MsgHdrs) => deliver(null, message(`t.orders.OrderPlaced`, data, hdrs, `$JS.ACK.S.d.1.1.1.1.0`)),
    status: (reply: string, code: number, description: string) => deliver(null, message(reply, '', headers(code, description))),
  };
}

async function collect(pull: Pull): Promise<string[]> {
  const seen: string[] = [];
  for await (const msg of pull) seen.push(msg.string());
  return seen;
}

describe('PullRequests', () => {
  afterEach(() => jest.useRealTimers());

  it('sends every pull over the one subscription, with its own reply subject', async () => {
    const broker = fakeBroker();
    const pulls = new PullRequests(broker.nc, 'S', 'd', () => undefined);
    const first = collect(pulls.pull(2, 1_000));
    broker.deliver('a');
    broker.deliver('b');
    expect(await first).toEqual(['a', 'b']);
    const second = collect(pulls.pull(1, 1_000));
    broker.deliver('c');
    expect(await second).toEqual(['c']);
    expect(broker.subscriptions).toHaveLength(1);
    expect(broker.requests.map((r) => r.subject)).toEqual(['$JS.API.CONSUMER.MSG.NEXT.S.d', '$JS.API.CONSUMER.MSG.NEXT.S.d']);
    expect(broker.requests[0].body).toEqual({ batch: 2, expires: 1_000_000_000 });
    expect(new Set(broker.requests.map((r) => r.reply)).size).toBe(2);
  });

  it('ends a pull on its 408 or 404, and ignores heartbeats and an earlier pull\'s late status', async () => {
    const broker = fakeBroker();
    const pulls = new PullRequests(broker.nc, 'S', 'd', () => undefined);
    const first = pulls.pull(5, 1_000);
    broker.status(broker.requests[0].reply, 408, 'Request Timeout');
    expect(await collect(first)).toEqual([]);
    const second = collect(pulls.pull(5, 1_000));
    broker.status(broker.requests[0].reply, 408, 'Request Timeout'); // the first pull's, again
    broker.status(broker.requests[1].reply, 100, 'Idle Heartbeat');
    broker.deliver('x');
    broker.status(broker.requests[1].reply, 404, 'No Messages');
    expect(await second).toEqual(['x']);
  });

  it.each([
    [409, 'Consumer Deleted'],
    [503, 'No Responders'], // no responders: the stream is gone; ending it quietly, its pump pulled again at once, forever
  ])('fails a pull the broker refuses (%i), so that its pump backs off', async (code, description) => {
    const broker = fakeBroker();
    const pulls = new PullRequests(broker.nc, 'S', 'd', () => undefined);
    const pull = collect(pulls.pull(5, 1_000));
    broker.status(broker.requests[0].reply, code, description);
    await expect(pull).rejects.toThrow(`pull refused: ${code}`);
  });

  it('takes a pull the broker forgot (a restart) as lost after its expiry and a margin', async () => {
    jest.useFakeTimers();
    const broker = fakeBroker();
    const pulls = new PullRequests(broker.nc, 'S', 'd', () => undefined);
    let ended = false;
    const pull = collect(pulls.pull(5, 1_000)).then((seen) => ((ended = true), seen));
    await jest.advanceTimersByTimeAsync(1_000 + LOST_AFTER_MS - 1);
    expect(ended).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await pull).toEqual([]);
    // It may only be late (a stalled broker reads it later): its inbox goes, so the broker drops it.
    expect(broker.subscriptions).toHaveLength(2);
    expect(broker.unsubscribed).toBe(1);
    pulls.pull(1, 1_000);
    expect(broker.requests[1].reply.startsWith(`${broker.inbox}.`)).toBe(true);
    expect(broker.requests[1].reply.startsWith(broker.subscriptions[0].slice(0, -2))).toBe(false);
  });

  it('runs a message that comes with no pull open for it (a lost pull\'s, late) instead of dropping it', async () => {
    const broker = fakeBroker();
    const strays: JsMsg[] = [];
    const pulls = new PullRequests(broker.nc, 'S', 'd', (msg) => strays.push(msg));
    const pull = collect(pulls.pull(1, 1_000));
    broker.deliver('a');
    expect(await pull).toEqual(['a']);
    broker.deliver('late');
    expect(strays.map((m) => m.string())).toEqual(['late']);
  });

  it('takes an empty delivery, or one whose headers read like a status, as a delivery', async () => {
    const broker = fakeBroker();
    const pulls = new PullRequests(broker.nc, 'S', 'd', () => undefined);
    const pull = collect(pulls.pull(2, 1_000));
    broker.deliver('');
    broker.deliver('', headers(408, 'Request Timeout'));
    expect(await pull).toEqual(['', '']);
  });

  it('unsubscribes its inbox on close', () => {
    const broker = fakeBroker();
    new PullRequests(broker.nc, 'S', 'd', () => undefined).close();
    expect(broker.unsubscribed).toBe(1);
  });
});
