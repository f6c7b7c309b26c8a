import { DomainError } from '../../../platform/domain-error';

export class ProductNotFoundError extends DomainError {
  constructor(sku: string) {
    super('PRODUCT_NOT_FOUND', `no product with sku ${sku}`, 'not-found');
  }
}

export class SkuAlreadyExistsError extends DomainError {
  constructor(sku: string) {
    super('SKU_EXISTS', `a product with sku ${sku} exists already`, 'conflict');
  }
}
