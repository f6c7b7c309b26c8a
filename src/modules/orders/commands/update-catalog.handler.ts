import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { CatalogEntry, CatalogRepository } from '../infrastructure/catalog.repository';

export class UpdateCatalog {
  constructor(readonly entry: CatalogEntry) {}
}

@CommandHandler(UpdateCatalog)
export class UpdateCatalogHandler implements ICommandHandler<UpdateCatalog> {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly catalog: CatalogRepository,
  ) {}

  execute({ entry }: UpdateCatalog): Promise<void> {
    return this.tx.run((m) => this.catalog.upsert(m, entry));
  }
}
