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
