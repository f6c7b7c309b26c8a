import { publishSubjectProblem } from './publish-subject';

describe('publishSubjectProblem', () => {
  it.each(['shop.orders.OrderPlaced', 'orders.OrderPlaced', 't_ns.orders.Order-Placed_v2', 'orders.Bestellung.ä'])('accepts %j', (subject) => {
    expect(publishSubjectProblem(subject)).toBeUndefined();
  });

  it.each([
    ['a space', 'orders.Order Placed', 'whitespace'],
    ['a tab', 'orders.Order\tPlaced', 'whitespace'],
    ['a line break', 'orders.Order\r\nPlaced', 'whitespace'],
    ['a control character', 'orders.Order\u0001', 'control'],
    ['a star', 'orders.*', 'wildcard'],
    ['a tail wildcard', 'orders.>', 'wildcard'],
    ['a star inside a token', 'orders.Order*', 'wildcard'],
    ['an empty token', 'orders..Placed', 'empty token'],
    ['a trailing dot', 'orders.', 'empty token'],
    ['nothing', '', 'empty token'],
  ])('refuses %s', (_what, subject, problem) => {
    expect(publishSubjectProblem(subject)).toContain(problem);
  });
});
