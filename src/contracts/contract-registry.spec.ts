import { z } from 'zod';
import { ContractRegistry } from './contract-registry';
import { defineContract } from './event-contract';
import { defineUpcaster } from './upcaster';

const SomethingHappenedV1 = defineContract('things.SomethingHappened', 1, z.object({ n: z.number().int() }).strict());

const envelope = (overrides: object = {}) => ({
  id: '01890a5d-ac96-774b-bcce-b302099a8057',
  type: 'things.SomethingHappened',
  version: 1,
  occurredAt: '2026-11-22T10:00:00.000Z',
  aggregateType: 'Thing',
  aggregateId: 't-1',
  aggregateVersion: 1,
  correlationId: 'c',
  causationId: 'c',
  payload: { n: 1 },
  ...overrides,
});

describe('ContractRegistry', () => {
  const registry = new ContractRegistry([SomethingHappenedV1]);

  it('given a valid envelope, returns it typed', () => {
    expect(registry.check(envelope())).toEqual({ ok: true, envelope: envelope() });
  });

  it('given a payload that breaks the contract, says which contract and why', () => {
    const result = registry.check(envelope({ payload: { n: 'one' } }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/payload breaks things\.SomethingHappened@v1/);
  });

  it('given an unknown version, refuses it (a new shape is a new version)', () => {
    const result = registry.check(envelope({ version: 2 }));
    expect(!result.ok && result.error).toMatch(/no contract for things\.SomethingHappened@v2/);
  });

  it('given a broken envelope, refuses it', () => {
    const result = registry.check(envelope({ id: 'not-a-uuid' }));
    expect(!result.ok && result.error).toMatch(/invalid envelope/);
  });
});

describe('ContractRegistry.readAs (versions)', () => {
  const PricedV1 = defineContract('shop.Priced', 1, z.object({ cents: z.number().int(), note: z.string() }).strict());
  const PricedV2 = defineContract('shop.Priced', 2, z.object({ amount: z.object({ cents: z.number().int() }).strict() }).strict());
  const PricedV3 = defineContract('shop.Priced', 3, z.object({ amount: z.object({ cents: z.number().int() }).strict(), currency: z.string() }).strict());
  const v1ToV2 = defineUpcaster(PricedV1, PricedV2, ({ cents }) => ({ amount: { cents } }));
  const v2ToV3 = defineUpcaster(PricedV2, PricedV3, (p) => ({ ...p, currency: 'EUR' }));
  const registry = new ContractRegistry([PricedV1, PricedV2, PricedV3], [v1ToV2, v2ToV3]);
  const event = (version: number, payload: object) => {
    const checked = registry.check(envelope({ type: 'shop.Priced', version, payload }));
    if (!checked.ok) throw new Error(checked.error);
    return checked.envelope;
  };

  it('given the version the reader declares, hands it over unchanged', () => {
    const v2 = event(2, { amount: { cents: 5 } });
    expect(registry.readAs(v2, 2)).toEqual({ ok: true, envelope: v2 });
  });

  it('given an older version, upcasts it step by step to the reader\'s version', () => {
    const read = registry.readAs(event(1, { cents: 5, note: 'x' }), 3);
    expect(read.ok && read.envelope).toMatchObject({ version: 3, payload: { amount: { cents: 5 }, currency: 'EUR' } });
  });

  it('given a newer version that still holds what the reader knows, drops the fields it does not know', () => {
    const read = registry.readAs(event(3, { amount: { cents: 5 }, currency: 'USD' }), 2);
    expect(read.ok && read.envelope).toMatchObject({ version: 2, payload: { amount: { cents: 5 } } });
  });

  it('given a newer version the reader cannot read, says which and why (a dead letter, never a crash)', () => {
    const read = registry.readAs(event(2, { amount: { cents: 5 } }), 1);
    expect(!read.ok && read.error).toMatch(/a reader of shop\.Priced@v1 cannot read shop\.Priced@v2: .*cents/);
  });

  it('given a gap in the upcasters, refuses instead of guessing', () => {
    const gappy = new ContractRegistry([PricedV1, PricedV2], []);
    const v1 = gappy.check(envelope({ type: 'shop.Priced', version: 1, payload: { cents: 1, note: '' } }));
    const read = v1.ok ? gappy.readAs(v1.envelope, 2) : v1;
    expect(!read.ok && read.error).toMatch(/no upcaster from v1/);
  });

  it('refuses an upcaster that skips a version', () => {
    expect(() => defineUpcaster(PricedV1, PricedV3, () => ({ amount: { cents: 0 }, currency: '' }))).toThrow(/one version to the next/);
  });
});

describe('ContractRegistry against an adversary (issue 12)', () => {
  const PricedV1 = defineContract('shop.Priced', 1, z.object({ cents: z.number().int() }).strict());
  const PricedV2 = defineContract('shop.Priced', 2, z.object({ cents: z.number().int(), currency: z.string() }).strict());
  const checked = (registry: ContractRegistry, overrides: object) => {
    const result = registry.check(envelope({ type: 'shop.Priced', ...overrides }));
    if (!result.ok) throw new Error(result.error);
    return result.envelope;
  };

  it.each([0, -1, 1.5, '2', 2 ** 53, Number.MAX_VALUE, null, true])('given an envelope version %p, refuses it as an invalid envelope', (version) => {
    const result = new ContractRegistry([PricedV1]).check(envelope({ type: 'shop.Priced', version, payload: { cents: 1 } }));
    expect(!result.ok && result.error).toMatch(/invalid envelope: .*version/);
  });

  it('given a huge but safe version without a contract, refuses it by name', () => {
    const result = new ContractRegistry([PricedV1]).check(envelope({ type: 'shop.Priced', version: 2 ** 53 - 1, payload: { cents: 1 } }));
    expect(!result.ok && result.error).toMatch(/no contract for shop\.Priced@v9007199254740991/);
  });

  // Finding (issue 12 adversary): an upcaster that throws escaped readAs, so the dispatcher threw
  // and the transport nak'ed the event for ever instead of parking it.
  it('given an upcaster that throws, says so (a dead letter), never throws', () => {
    const boom = defineUpcaster(PricedV1, PricedV2, () => {
      throw new Error('boom: no currency for this shop');
    });
    const registry = new ContractRegistry([PricedV1, PricedV2], [boom]);
    const v1 = checked(registry, { payload: { cents: 1 } });
    let read: ReturnType<ContractRegistry['readAs']> | undefined;
    expect(() => (read = registry.readAs(v1, 2))).not.toThrow();
    expect(read?.ok === false && read.error).toMatch(/a reader of shop\.Priced@v2 cannot read shop\.Priced@v1: the upcaster from v1 failed: boom/);
  });

  it('given an upcaster that writes nothing or the wrong shape, refuses the result', () => {
    for (const upcast of [() => undefined, () => 'nothing', (p: { cents: number }) => ({ ...p, currency: 7 })]) {
      const registry = new ContractRegistry([PricedV1, PricedV2], [defineUpcaster(PricedV1, PricedV2, upcast as never)]);
      const read = registry.readAs(checked(registry, { payload: { cents: 1 } }), 2);
      expect(!read.ok && read.error).toMatch(/a reader of shop\.Priced@v2 cannot read shop\.Priced@v1/);
    }
  });

  it('given an upcaster that changes its input, the event it read stays as it was (another listener may read it)', () => {
    const mutating = defineUpcaster(PricedV1, PricedV2, (p) => Object.assign(p, { currency: 'EUR' }));
    const registry = new ContractRegistry([PricedV1, PricedV2], [mutating]);
    const v1 = checked(registry, { payload: { cents: 1 } });
    registry.readAs(v1, 2);
    expect(registry.readAs(v1, 1)).toEqual({ ok: true, envelope: expect.objectContaining({ version: 1, payload: { cents: 1 } }) });
  });
});

describe('ContractRegistry.readAs of a newer version, nested (issue 12 adversary)', () => {
  const line = { sku: z.string(), quantity: z.number().int() };
  const PlacedV2 = defineContract('shop.Placed', 2, z.object({ items: z.array(z.object(line).strict()), buyer: z.object({ id: z.string() }).strict().optional() }).strict());
  const PlacedV3 = defineContract(
    'shop.Placed',
    3,
    z.object({ items: z.array(z.object({ ...line, taxCents: z.number().int() }).strict()), buyer: z.object({ id: z.string(), country: z.string() }).strict().optional(), currency: z.string() }).strict(),
  );
  const registry = new ContractRegistry([PlacedV2, PlacedV3]);

  // Finding: only the top level was read tolerantly, so a field added inside a list of lines or a
  // nested object (a minor change) parked every newer event at a reader still on the older version.
  it('given a newer version that adds fields inside lines and nested objects, drops them too', () => {
    const v3 = registry.check(envelope({ type: 'shop.Placed', version: 3, payload: { items: [{ sku: 'A', quantity: 1, taxCents: 9 }], buyer: { id: 'b', country: 'FR' }, currency: 'EUR' } }));
    const read = v3.ok ? registry.readAs(v3.envelope, 2) : v3;
    expect(read).toEqual({ ok: true, envelope: expect.objectContaining({ version: 2, payload: { items: [{ sku: 'A', quantity: 1 }], buyer: { id: 'b' } } }) });
  });

  it('given a newer version that lost a nested field the reader needs, still refuses it', () => {
    const NoQuantityV3 = defineContract('shop.Placed', 3, z.object({ items: z.array(z.object({ sku: z.string() }).strict()) }).strict());
    const lossy = new ContractRegistry([PlacedV2, NoQuantityV3]);
    const v3 = lossy.check(envelope({ type: 'shop.Placed', version: 3, payload: { items: [{ sku: 'A' }] } }));
    const read = v3.ok ? lossy.readAs(v3.envelope, 2) : v3;
    expect(!read.ok && read.error).toMatch(/a reader of shop\.Placed@v2 cannot read shop\.Placed@v3: .*quantity/);
  });
});

describe('ContractRegistry.check (an event back from a dead-letter table)', () => {
  const CardV1 = defineContract('shop.Carded', 1, z.object({ n: z.number(), card: z.string() }).strict(), { secret: ['card'] });
  const registry = new ContractRegistry([CardV1]);
  const parked = envelope({ type: 'shop.Carded', payload: { n: 1 } });

  it('given its secrets dropped at parking, accepts it when told so', () => {
    expect(registry.check(parked, { secretsDropped: true })).toMatchObject({ ok: true, envelope: { payload: { n: 1 } } });
  });

  it('given the same event fresh from a stream, refuses it: only parking drops a secret', () => {
    expect(registry.check(parked).ok).toBe(false);
  });

  it('still refuses anything else missing', () => {
    expect(registry.check(envelope({ type: 'shop.Carded', payload: { card: 'x' } }), { secretsDropped: true }).ok).toBe(false);
  });
});
