import { HttpLoad } from './http-load';

describe('HttpLoad', () => {
  it('is busy from a request until it is answered or aborted, each request let go once', () => {
    const load = new HttpLoad();
    const a = {};
    const b = {};
    load.enter(a, '/orders');
    load.enter(b, '/orders/1');
    load.leave(a);
    load.leave(a);
    expect(load.busy).toBe(true);
    load.leave(b);
    expect(load.busy).toBe(false);
  });

  it('does not count the live event stream, which stays open for as long as a page watches', () => {
    const load = new HttpLoad();
    const stream = {};
    load.enter(stream, '/flow/events?order=x');
    expect(load.busy).toBe(false);
    load.leave(stream);
    expect(load.busy).toBe(false);
  });

  it('never counts a request let go before it was counted (its client left while its body came in)', () => {
    const load = new HttpLoad();
    const request = {};
    load.leave(request);
    load.enter(request, '/orders');
    expect(load.busy).toBe(false);
    expect(load.requests).toBe(0);
  });
});
