import { AppConfig } from '../../config/app-config';
import { ConsumerSlots } from './consumer-slots';
import { DispatchOutcome } from './dispatch-outcome';
import { ALONE_AFTER_FAILED_GROUP_MS, GroupedDeliveries } from './grouped-deliveries';

const ACK: DispatchOutcome = { kind: 'ack', duplicate: false };
/** `slots` connections for the module (the pool keeps 2 for its relay and requests). */
const slotsOf = (slots: number) => new ConsumerSlots({ database: { poolSize: slots + 2 }, consumer: { concurrency: 32 } } as AppConfig);
const tick = () => new Promise((done) => setImmediate(done));

function recorder(fellBack = false) {
  const groups: number[][] = [];
  const gates: (() => void)[] = [];
  const run = (items: number[]) => {
    groups.push(items);
    return new Promise<{ outcomes: DispatchOutcome[]; fellBack: boolean }>((done) => gates.push(() => done({ outcomes: items.map(() => ACK), fellBack })));
  };
  return { groups, gates, run, openAll: () => gates.splice(0).forEach((open) => open()) };
}

describe('GroupedDeliveries', () => {
  it('runs the deliveries of one read as one group, in one slot', async () => {
    const slots = slotsOf(4);
    const r = recorder();
    const grouped = new GroupedDeliveries(slots, 'm', 8, r.run);
    const outcomes = [1, 2, 3].map((n) => grouped.submit(n));
    await tick();
    expect(r.groups).toEqual([[1, 2, 3]]);
    expect(slots.take('m', 4)).toBe(3);
    slots.release('m', 3);
    r.openAll();
    await expect(Promise.all(outcomes)).resolves.toEqual([ACK, ACK, ACK]);
  });

  it('gathers what arrives while the module has no free slot, up to the largest group', async () => {
    const slots = slotsOf(1);
    const r = recorder();
    const grouped = new GroupedDeliveries(slots, 'm', 3, r.run);
    const first = grouped.submit(0);
    await tick();
    const later = [1, 2, 3, 4, 5].map((n) => grouped.submit(n));
    await tick();
    expect(r.groups).toEqual([[0]]);
    r.openAll();
    await first;
    await tick();
    expect(r.groups).toEqual([[0], [1, 2, 3]]);
    r.openAll();
    await tick();
    await tick();
    expect(r.groups).toEqual([[0], [1, 2, 3], [4, 5]]);
    r.openAll();
    await expect(Promise.all(later)).resolves.toHaveLength(5);
  });

  it('after a group that fell back, runs one delivery at a time for a while, then groups again', async () => {
    let now = 0;
    const slots = slotsOf(4);
    const r = recorder(true);
    const grouped = new GroupedDeliveries(slots, 'm', 8, r.run, () => now);
    const first = [1, 2].map((n) => grouped.submit(n));
    await tick();
    r.openAll();
    await Promise.all(first);
    const alone = [3, 4].map((n) => grouped.submit(n));
    await tick();
    await tick();
    expect(r.groups).toEqual([[1, 2], [3], [4]]);
    r.openAll();
    await Promise.all(alone);
    now += ALONE_AFTER_FAILED_GROUP_MS;
    const again = [5, 6].map((n) => grouped.submit(n));
    await tick();
    expect(r.groups.at(-1)).toEqual([5, 6]);
    r.openAll();
    await Promise.all(again);
  });

  it('a group that throws rejects each of its deliveries and gives its slot back', async () => {
    const slots = slotsOf(1);
    const grouped = new GroupedDeliveries<number>(slots, 'm', 8, () => Promise.reject(new Error('database away')));
    const outcomes = [1, 2].map((n) => grouped.submit(n));
    for (const outcome of outcomes) await expect(outcome).rejects.toThrow('database away');
    expect(slots.take('m', 1)).toBe(1);
  });
});
