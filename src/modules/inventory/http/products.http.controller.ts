import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { RegisterProduct } from '../commands/register-product.handler';
import { RestockProduct } from '../commands/restock-product.handler';
import { UpdateProduct } from '../commands/update-product.handler';
import { ProductNotFoundError } from '../domain/inventory.errors';
import { ProductRepository, ProductRow } from '../infrastructure/product.repository';
import { ProductResponse, RegisterProductRequest, RestockRequest, UpdateProductRequest } from './product.dto';
import { SkuParam } from './sku.param';

@ApiTags('inventory')
@Controller('inventory/products')
export class ProductsHttpController {
  constructor(
    private readonly commands: CommandBus,
    private readonly tx: TransactionRunner,
    private readonly products: ProductRepository,
  ) {}

  @Post()
  async register(@Body() body: RegisterProductRequest): Promise<ProductResponse> {
    return toResponse(await this.commands.execute(new RegisterProduct(body)));
  }

  @Patch(':sku')
  async update(@Param() { sku }: SkuParam, @Body() body: UpdateProductRequest): Promise<ProductResponse> {
    return toResponse(await this.commands.execute(new UpdateProduct(sku, body)));
  }

  @Post(':sku/restock')
  @HttpCode(200)
  async restock(@Param() { sku }: SkuParam, @Body() body: RestockRequest): Promise<ProductResponse> {
    return toResponse(await this.commands.execute(new RestockProduct(sku, body.quantity)));
  }

  @Get(':sku')
  async get(@Param() { sku }: SkuParam): Promise<ProductResponse> {
    const row = await this.tx.single((m) => this.products.find(m, sku));
    if (!row) throw new ProductNotFoundError(sku);
    return toResponse(row);
  }
}

const toResponse = ({ sku, name, priceCents, available, reserved, sold }: ProductRow): ProductResponse => ({
  sku,
  name,
  priceCents,
  available,
  reserved,
  sold,
});
