import { DomainError } from '../../../platform/domain-error';

export class UnknownSkuError extends DomainError {
  constructor(readonly skus: string[]) {
    super('UNKNOWN_SKU', `unknown sku: ${skus.join(', ')}`, 'rejected');
  }
}

export class OrderNotFoundError extends DomainError {
  constructor(id: string) {
    super('ORDER_NOT_FOUND', `no order ${id}`, 'not-found');
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with another request body', 'conflict');
  }
}
