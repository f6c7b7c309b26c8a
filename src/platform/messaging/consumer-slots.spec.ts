import { AppConfig } from '../../config/app-config';
import { HttpLoad } from '../http/http-load';
import { ConsumerSlots } from './consumer-slots';

const slots = (poolSize: number, concurrency: number) =>
  new ConsumerSlots({ database: { poolSize }, consumer: { concurrency } } as AppConfig);

describe('ConsumerSlots', () => {
  it('given requests being answered, lets one delivery of each module run, and all again once they are answered', () => {
    const http = new HttpLoad();
    const s = new ConsumerSlots({ database: { poolSize: 10 }, consumer: { concurrency: 32 } } as AppConfig, http);
    const request = {};
    http.enter(request, '/orders');
    expect(s.take('orders', 32)).toBe(1);
    expect(s.take('payments', 32)).toBe(1);
    expect(s.take('orders', 1)).toBe(0);
    http.leave(request);
    expect(s.take('orders', 32)).toBe(7);
  });

  it('given a pool of 10, lets 8 deliveries of a module run at once (2 connections kept for the relay and HTTP)', () => {
    const s = slots(10, 32);
    expect(s.take('orders', 32)).toBe(8);
    expect(s.take('orders', 1)).toBe(0);
    expect(s.take('payments', 3)).toBe(3);
  });

  it('given a low concurrency setting, that is the limit', () => {
    expect(slots(10, 4).take('orders', 32)).toBe(4);
  });

  it('given every slot busy, run waits until one is released', async () => {
    const s = slots(3, 32);
    expect(s.take('orders', 5)).toBe(1);
    let ran = false;
    const waiting = s.run('orders', async () => {
      ran = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(ran).toBe(false);
    s.release('orders');
    await waiting;
    expect(ran).toBe(true);
  });
});
