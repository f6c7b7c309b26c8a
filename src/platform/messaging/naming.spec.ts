import { MessagingNames } from './naming';

describe('MessagingNames', () => {
  it('without a namespace, the subject is the event type and the stream the module', () => {
    const names = new MessagingNames('');
    expect(names.subject('orders.OrderPlaced')).toBe('orders.OrderPlaced');
    expect(names.stream('orders')).toBe('ORDERS');
    expect(names.streamSubjects('orders')).toBe('orders.>');
  });

  it('with a namespace, prefixes subjects and streams and strips the prefix back', () => {
    const names = new MessagingNames('t_ab12');
    expect(names.subject('orders.OrderPlaced')).toBe('t_ab12.orders.OrderPlaced');
    expect(names.typeOf('t_ab12.orders.OrderPlaced')).toBe('orders.OrderPlaced');
    expect(names.stream('orders')).toBe('T_AB12_ORDERS');
  });

  it('names one durable per consuming module and event type', () => {
    expect(new MessagingNames('t_ab12').durable('payments', 'orders.OrderPlaced')).toBe('payments_OrderPlaced');
  });
});
