import { PoolClient } from 'pg';
import { EventPublisher } from '../messaging/event-publisher';
import { LockedBatch } from './locked-batch';
import { OutboxClaims } from './outbox-claims';
import { HANDED_OFF_MAX, OutboxRelay } from './outbox-relay';
import { OutboxStore } from './outbox-store';

/** A turn of the event loop: the relay's loop reaches its next wait. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * When a commit may carry the relay's claim of its rows (OutboxRelay.handOff): only while the
 * relay is idle. The claims are stubbed: a drain is held open on a claim that has not answered.
 */
describe('OutboxRelay.handOff: claiming at commit only while the relay is idle', () => {
  let answerClaim: (batch: LockedBatch | undefined) => void;
  const claims = {
    claimOfSql: (ids: readonly string[]) => `CLAIM ${ids.join(',')}`,
    mayKeepConnection: () => true,
    expectRows: () => undefined,
    worthClaiming: async () => true,
    claim: () => new Promise<LockedBatch | undefined>((resolve) => (answerClaim = resolve)),
  } as unknown as OutboxClaims;
  const store = { backlog: async () => ({ unpublished: 0, oldestAt: null }) } as unknown as OutboxStore;
  const options = { relayId: 'r', module: 'probe', batchSize: 10, maxAttempts: 3, pollMinMs: 600_000, pollMaxMs: 600_000 };
  let relay: OutboxRelay;

  beforeEach(() => {
    relay = new OutboxRelay(store, claims, {} as EventPublisher, options);
  });
  afterEach(async () => {
    const stopping = relay.stop(0);
    answerClaim?.(undefined);
    await stopping;
  });

  it('a stopped relay takes no hand-off: the commit wakes it as before', () => {
    expect(relay.handOff(['a']).statements()).toBeUndefined();
  });

  it('while a drain is claiming, a commit\'s rows wait for its next batch', async () => {
    relay.start();
    // The first drain starts at once (its look answers yes) and waits on its claim.
    await turn();
    expect(relay.handOff(['a']).statements()).toBeUndefined();
    answerClaim(undefined);
    await turn();
    expect(relay.handOff(['a']).statements()).toBe('CLAIM a');
  });

  it(`at most ${HANDED_OFF_MAX} in flight; a declined one frees its place`, async () => {
    relay.start();
    await turn();
    answerClaim(undefined);
    await turn();
    const first = relay.handOff(['a']);
    expect(first.statements()).toBe('CLAIM a');
    expect(relay.handOff(['b']).statements()).toBeUndefined();
    first.declined();
    first.declined();
    const next = relay.handOff(['c']);
    expect(next.statements()).toBe('CLAIM c');
    expect(relay.handOff(['d']).statements()).toBeUndefined();
    next.declined();
  });

  it('a transaction that appended nothing claims nothing', async () => {
    relay.start();
    await turn();
    answerClaim(undefined);
    await turn();
    expect(relay.handOff([]).statements()).toBeUndefined();
  });

  it('a row of a batch claimed at commit given back for later (a refused publish) wakes the relay, asleep until its next poll', async () => {
    let claimsAsked = 0;
    const released: number[] = [];
    const batch = {
      rows: [{ id: 'a', ctid: '(0,1)', type: 'probe.ThingHappened', body: '{}', traceparent: null, attempts: 0 }],
      mayBeLost: false,
      release: async (_id: string, _error: string, delayMs: number) => void released.push(delayMs),
      park: async () => undefined,
      commit: async () => 0,
      abandon: async () => undefined,
    };
    const refusing = {
      ...claims,
      claim: async () => (claimsAsked++, undefined),
      adopt: async () => batch,
    } as unknown as OutboxClaims;
    const publisher = { publish: async () => ({ kind: 'rejected', error: 'refused' }) } as unknown as EventPublisher;
    const sleepy = new OutboxRelay(store, refusing, publisher, options);
    sleepy.start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(claimsAsked).toBe(1);
      const handOff = sleepy.handOff(['a']);
      expect(handOff.statements()).toBe('CLAIM a');
      handOff.take({} as PoolClient, []);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(released).toHaveLength(1);
      // Woken: it has looked once more, and sleeps now until the row comes due, not for the 10-minute poll.
      expect(claimsAsked).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, released[0] + 50));
      expect(claimsAsked).toBe(3);
    } finally {
      await sleepy.stop(0);
    }
  });
  it('while an idle relay looks (no drain yet), a commit still claims its rows at commit', async () => {
    let answerLook: (worth: boolean) => void = () => undefined;
    const looking = { ...claims, worthClaiming: () => new Promise<boolean>((resolve) => (answerLook = resolve)) } as unknown as OutboxClaims;
    const idle = new OutboxRelay(store, looking, {} as EventPublisher, options);
    idle.start();
    await turn();
    try {
      const handOff = idle.handOff(['a']);
      expect(handOff.statements()).toBe('CLAIM a');
      handOff.declined();
    } finally {
      answerLook(false);
      await idle.stop(0);
    }
  });
});
