import { AppConfig } from '../../config/app-config';
import { ConsumerSlots } from './consumer-slots';
import { DispatchOutcome } from './dispatch-outcome';
import { ALONE_AFTER_FAILED_GROUP_MS, GroupedDeliveries } from './grouped-deliveries';

const ACK: DispatchOutcome = { kind: 'ack', duplicate: false };
/** `slots` connections for the module (the pool keeps 2 for its relay and requests). */
const slotsOf = (slots: number) => new ConsumerSlots({ database: { poolSize: slots + 2 }, consumer: { concurrency: 32 } } as AppConfig);
const tick = () => new Promise((done) => setImmediate(done));

/** Records what ran alone and in groups; each run waits until `openAll`. A group fails (all undefined) when `groupsFail`. */
function recorder(groupsFail = false) {
  const runs: (number | number[])[] = [];
  const gates: (() => void)[] = [];
  const held = <R>(value: R) => new Promise<R>((done) => gates.push(() => done(value)));
  return {
    runs,
    runners: {
      alone: (item: number) => (runs.push(item), held(ACK)),
      together: (items: number[]) => (runs.push(items), held(items.map(() => (groupsFail ? undefined : ACK)))),
    },
    openAll: () => gates.splice(0).forEach((open) => open()),
  };
}

describe('GroupedDeliveries', () => {
  it('with free slots, runs each delivery of a read alone, side by side', async () => {
    const slots = slotsOf(4);
    const r = recorder();
    const grouped = new GroupedDeliveries(slots, 'm', 8, r.runners);
    const outcomes = [1, 2, 3].map((n) => grouped.submit(n));
    await tick();
    expect(r.runs).toEqual([1, 2, 3]);
    expect(slots.take('m', 4)).toBe(1);
    slots.release('m');
    r.openAll();
    await expect(Promise.all(outcomes)).resolves.toEqual([ACK, ACK, ACK]);
    expect(slots.take('m', 4)).toBe(4);
  });

  it('groups what finds no free slot, up to the largest group, in the slot it is granted', async () => {
    const slots = slotsOf(1);
    const r = recorder();
    const grouped = new GroupedDeliveries(slots, 'm', 3, r.runners);
    const outcomes = [0, 1, 2, 3, 4, 5].map((n) => grouped.submit(n));
    await tick();
    expect(r.runs).toEqual([0]);
    for (const expected of [[0, [1, 2, 3]], [0, [1, 2, 3], [4, 5]]]) {
      r.openAll();
      await tick();
      expect(r.runs).toEqual(expected);
    }
    r.openAll();
    await expect(Promise.all(outcomes)).resolves.toHaveLength(6);
    expect(slots.take('m', 1)).toBe(1);
  });

  it('when a group fails, each of its deliveries runs alone in a slot of its own, side by side; then alone for a while', async () => {
    let now = 0;
    const slots = slotsOf(3);
    const r = recorder(true);
    const grouped = new GroupedDeliveries(slots, 'm', 8, r.runners, () => now);
    const busy = slots.take('m', 3);
    const outcomes = [1, 2, 3].map((n) => grouped.submit(n));
    await tick();
    slots.release('m', busy);
    await tick();
    expect(r.runs).toEqual([[1, 2, 3]]);
    r.openAll();
    await tick();
    // Three slots, three deliveries: none waits behind another (one held on a lock holds up nobody).
    expect(r.runs).toEqual([[1, 2, 3], 1, 2, 3]);
    r.openAll();
    await expect(Promise.all(outcomes)).resolves.toEqual([ACK, ACK, ACK]);
    await tick();

    const held = slots.take('m', 3);
    const later = [4, 5].map((n) => grouped.submit(n));
    await tick();
    slots.release('m', held);
    await tick();
    expect(r.runs.slice(4)).toEqual([4, 5]);
    r.openAll();
    await Promise.all(later);
    await tick();

    now += ALONE_AFTER_FAILED_GROUP_MS;
    const again = slots.take('m', 3);
    const grouping = [6, 7].map((n) => grouped.submit(n));
    await tick();
    slots.release('m', again);
    await tick();
    expect(r.runs.at(-1)).toEqual([6, 7]);
    r.openAll();
    await tick();
    r.openAll();
    await Promise.all(grouping);
  });

  it('a group that throws rejects each of its deliveries and gives its slot back', async () => {
    const slots = slotsOf(1);
    const grouped = new GroupedDeliveries<number>(slots, 'm', 8, { alone: async () => ACK, together: () => Promise.reject(new Error('database away')) });
    const busy = slots.take('m', 1);
    const outcomes = [1, 2].map((n) => grouped.submit(n));
    await tick();
    slots.release('m', busy);
    for (const outcome of outcomes) await expect(outcome).rejects.toThrow('database away');
    expect(slots.take('m', 1)).toBe(1);
  });
});
