/** A rule of the domain said no. `code` is stable (clients may branch on it); `kind` picks the HTTP status. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: 'not-found' | 'conflict' | 'rejected' = 'rejected',
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * "Not yet": the handler needs something another event brings (events of two streams arrive in
 * either order). Retried with backoff for as long as it takes; never spends the dead-letter budget.
 */
export class NotYetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
