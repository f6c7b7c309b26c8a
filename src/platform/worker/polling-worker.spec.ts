import { PollingWorker } from './polling-worker';

const tick = () => new Promise((r) => setImmediate(r));

/** A round that records when it started and finishes when the test says so. */
function rounds() {
  const started: number[] = [];
  const finish: (() => void)[] = [];
  const round = () =>
    new Promise<{ handled: number; full: boolean }>((resolve) => {
      started.push(started.length);
      finish.push(() => resolve({ handled: 0, full: false }));
    });
  return { started, finish, round };
}

describe('PollingWorker', () => {
  it('given one lane, a wake during a round waits for it, then runs the next round at once', async () => {
    const r = rounds();
    const worker = new PollingWorker({ name: 'test', round: r.round, pollMinMs: 60_000, pollMaxMs: 60_000 });
    worker.start();
    await tick();
    worker.wake();
    await tick();
    expect(r.started).toHaveLength(1);
    r.finish[0]();
    await tick();
    expect(r.started).toHaveLength(2);
    r.finish[1]();
    await tick();
    const stopped = worker.stop();
    await stopped;
  });

  it('given two lanes, a wake while one round runs starts another at once', async () => {
    const r = rounds();
    const worker = new PollingWorker({ name: 'test', round: r.round, pollMinMs: 60_000, pollMaxMs: 60_000, lanes: 2 });
    worker.start();
    await tick();
    expect(r.started).toHaveLength(2);
    r.finish[1]();
    await tick();
    worker.wake();
    await tick();
    expect(r.started).toHaveLength(3);
    r.finish[0]();
    r.finish[2]();
    await tick();
    await worker.stop();
  });
});
