import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DomainError } from '../../../platform/domain-error';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { CatalogEntry, CatalogRepository } from '../infrastructure/catalog.repository';
import { SkuParam } from './sku.param';

/** Read-only view of the orders module's catalog snapshot (what orders are priced from). */
@ApiTags('orders')
@Controller('catalog')
export class CatalogHttpController {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly catalog: CatalogRepository,
  ) {}

  @Get(':sku')
  async get(@Param() { sku }: SkuParam): Promise<CatalogEntry> {
    const entry = await this.tx.single((m) => this.catalog.find(m, sku));
    if (!entry) throw new DomainError('UNKNOWN_SKU', `the catalog has no sku ${sku}`, 'not-found');
    return entry;
  }
}
