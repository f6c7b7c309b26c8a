import { SettleBatch } from './settle-batch';

describe('SettleBatch: acks settled in one turn of the event loop go out together', () => {
  it('runs the actions of one turn together, in order, after that turn, and resolves each add once its action ran', async () => {
    const batch = new SettleBatch();
    const ran: string[] = [];
    const first = batch.add(() => ran.push('a'));
    const second = batch.add(() => ran.push('b'));
    await Promise.resolve();
    expect(ran).toEqual([]);
    await first;
    expect(ran).toEqual(['a', 'b']);
    await second;
  });

  it('a throwing action (a closing connection) neither stops the others nor rejects', async () => {
    const batch = new SettleBatch();
    const ran: string[] = [];
    const failing = batch.add(() => {
      throw new Error('connection closed');
    });
    const after = batch.add(() => ran.push('after'));
    await expect(failing).resolves.toBeUndefined();
    await after;
    expect(ran).toEqual(['after']);
  });

  it('an action added after a batch went out goes in the next one', async () => {
    const batch = new SettleBatch();
    const turns: number[] = [];
    let turn = 0;
    const ticking = setInterval(() => turn++, 0);
    await batch.add(() => turns.push(turn));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await batch.add(() => turns.push(turn));
    clearInterval(ticking);
    expect(turns).toHaveLength(2);
    expect(turns[1]).toBeGreaterThan(turns[0]);
  });

  it('with a linger, the actions of that many milliseconds go out together, in order, in one batch', async () => {
    jest.useFakeTimers();
    try {
      const batch = new SettleBatch(5);
      const ran: string[] = [];
      const first = batch.add(() => ran.push('a'));
      jest.advanceTimersByTime(3);
      const second = batch.add(() => ran.push('b'));
      expect(second).toBe(first);
      expect(ran).toEqual([]);
      jest.advanceTimersByTime(2);
      await first;
      expect(ran).toEqual(['a', 'b']);
      const third = batch.add(() => ran.push('c'));
      expect(third).not.toBe(first);
      jest.advanceTimersByTime(5);
      await third;
      expect(ran).toEqual(['a', 'b', 'c']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('while not ready (the connection down), the actions wait, kept in order, and go once it is back', async () => {
    jest.useFakeTimers();
    try {
      let up = false;
      const batch = new SettleBatch(5, () => up);
      const ran: string[] = [];
      const sent = batch.add(() => ran.push('a'));
      jest.advanceTimersByTime(50);
      batch.add(() => ran.push('b'));
      jest.advanceTimersByTime(50);
      expect(ran).toEqual([]);
      up = true;
      jest.advanceTimersByTime(10);
      await sent;
      expect(ran).toEqual(['a', 'b']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('flushed: resolves once every action added so far ran, those added while it waits too', async () => {
    jest.useFakeTimers();
    try {
      const batch = new SettleBatch(5);
      const ran: string[] = [];
      void batch.add(() => ran.push('a'));
      let done = false;
      const flushed = batch.flushed().then(() => (done = true));
      jest.advanceTimersByTime(5);
      void batch.add(() => ran.push('b'));
      await Promise.resolve();
      jest.advanceTimersByTime(5);
      await flushed;
      expect(done).toBe(true);
      expect(ran).toEqual(['a', 'b']);
      await expect(new SettleBatch(5).flushed()).resolves.toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });
});
