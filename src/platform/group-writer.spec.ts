import { GroupWriter } from './group-writer';

/** A writer whose writes wait until `release()`: groups pile up behind the first. */
function blockedWriter(cap?: number) {
  let release!: () => void;
  const blocked = new Promise<void>((r) => (release = r));
  const written: number[][] = [];
  const writer = new GroupWriter<number>(async (items) => {
    written.push(items);
    await blocked;
  }, () => undefined, cap);
  return { writer, written, release };
}

describe('GroupWriter', () => {
  it('given items added while a write runs, when written, then they go in one group; a failed group is reported, not retried', async () => {
    const groups: number[][] = [];
    const errors: number[] = [];
    const writer = new GroupWriter<number>(
      async (items) => {
        groups.push(items);
        if (items.includes(9)) throw new Error('down');
      },
      (_e, lost) => errors.push(lost),
    );
    writer.add(1);
    writer.add(2);
    writer.add(3);
    await writer.idle();
    writer.add(9);
    await writer.idle();
    expect(groups).toEqual([[1], [2, 3], [9]]);
    expect(errors).toEqual([1]);
  });

  it('given the database away and more items than the cap, then the oldest are dropped and counted', async () => {
    const { writer, written, release } = blockedWriter(3);
    for (let i = 1; i <= 6; i++) writer.add(i);
    release();
    await writer.idle();
    expect(written).toEqual([[1], [4, 5, 6]]);
    expect(writer.dropped).toBe(2);
  });

  it('given a linger, then items added within it share one write, and idle waits for it', async () => {
    const written: number[][] = [];
    const writer = new GroupWriter<number>(async (items) => void written.push(items), () => undefined, 100, 20);
    writer.add(1);
    await new Promise((r) => setTimeout(r, 5));
    writer.add(2);
    writer.add(3);
    expect(written).toEqual([]);
    await writer.idle();
    expect(written).toEqual([[1, 2, 3]]);
  });

  it('given a group written or failed, then each add resolves to whether its own group was written; a dropped item resolves false', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const writer = new GroupWriter<number>(async (items) => {
      await blocked;
      if (items.includes(9)) throw new Error('down');
    }, () => undefined, 2);
    const first = writer.add(1);
    const dropped = writer.add(2);
    const failed = [writer.add(3), writer.add(9)];
    release();
    expect(await Promise.all([first, dropped, ...failed])).toEqual([true, false, false, false]);
    expect(writer.dropped).toBe(1);
  });

  it('given items waiting behind a group being written, when taken back, then the group completes and they are never written', async () => {
    const { writer, written, release } = blockedWriter();
    const first = writer.add(1);
    const waiting = [writer.add(2), writer.add(3)];
    expect(writer.takeWaiting()).toEqual([2, 3]);
    release();
    await writer.idle();
    expect(await Promise.all([first, ...waiting])).toEqual([true, false, false]);
    expect(written).toEqual([[1]]);
  });
});
