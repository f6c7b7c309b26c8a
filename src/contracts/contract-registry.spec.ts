import { z } from 'zod';
import { ContractRegistry } from './contract-registry';
import { defineContract } from './event-contract';

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
