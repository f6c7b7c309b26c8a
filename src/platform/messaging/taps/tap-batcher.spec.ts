import { TappedEvent } from './event-taps';
import { TapBatcher, TapMessage } from './tap-batcher';

function message(n: number, log: string[]): TapMessage {
  return { event: { raw: `{"id":"${n}"}`, type: 'orders.X', seq: n }, ack: () => log.push(`ack ${n}`), retryLater: (d) => log.push(`later ${n} ${d}`) };
}

describe('TapBatcher', () => {
  it('given a linger, when messages come within it, then they are recorded in one batch', async () => {
    const batches: number[][] = [];
    const log: string[] = [];
    const batcher = new TapBatcher({ name: 't', producers: ['orders'], record: async (events: TappedEvent[]) => void batches.push(events.map((e) => e.seq!)) }, () => undefined, false, 20);
    batcher.add(message(1, log));
    await new Promise((r) => setTimeout(r, 5));
    batcher.add(message(2, log));
    expect(batches).toEqual([]);
    await batcher.idle();
    expect(batches).toEqual([[1, 2]]);
    expect(log).toEqual(['ack 1', 'ack 2']);
  });

  it('given messages arriving while a batch is recorded, when recorded, then they go together in the next batch and each is acked after', async () => {
    const batches: number[][] = [];
    const log: string[] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const batcher = new TapBatcher(
      {
        name: 't',
        producers: ['orders'],
        record: async (events: TappedEvent[]) => {
          batches.push(events.map((e) => e.seq!));
          if (batches.length === 1) await first;
        },
      },
      () => undefined,
    );
    batcher.add(message(1, log));
    for (const n of [2, 3, 4]) batcher.add(message(n, log));
    expect(log).toEqual([]);
    release();
    await batcher.idle();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    expect(log).toEqual(['ack 1', 'ack 2', 'ack 3', 'ack 4']);
  });

  it('given a tap that fails, when recording, then the batch is handed back with a growing delay and nothing is acked', async () => {
    const log: string[] = [];
    const delays: number[] = [];
    const batcher = new TapBatcher({ name: 't', producers: [], record: () => Promise.reject(new Error('db down')) }, (_e, d) => delays.push(d));
    batcher.add(message(1, log));
    await batcher.idle();
    batcher.add(message(2, log));
    await batcher.idle();
    expect(log).toEqual(['later 1 250', 'later 2 500']);
    expect(delays).toEqual([250, 500]);
  });

  it('given a tap catching up (full batches), when it yields, then the next batch waits as long as the full one took', async () => {
    const starts: number[] = [];
    const batcher = new TapBatcher(
      {
        name: 't',
        producers: ['orders'],
        record: async () => {
          starts.push(performance.now());
          await new Promise((r) => setTimeout(r, 40));
        },
      },
      () => undefined,
      true,
    );
    // Batches: [0] (the first, alone), [1..500] (full), [501..1000] (full).
    for (let n = 0; n <= 1_000; n++) batcher.add(message(n, []));
    await batcher.idle();
    expect(starts).toHaveLength(3);
    // 40 ms recording the full batch, then about as long again before the next.
    expect(starts[2] - starts[1]).toBeGreaterThanOrEqual(75);
  });
});
