import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { MAX_PRICE_CENTS, priceCents, productName, SKU_FORMAT, SKU_PATTERN } from '../../../contracts/shared-schemas';
import { ConformsTo } from '../../../platform/http/conforms-to';

const MAX_STOCK = 1_000_000;

export class RegisterProductRequest {
  @ApiProperty({ example: 'MUG-01', pattern: SKU_PATTERN.source })
  @Matches(SKU_PATTERN, { message: SKU_FORMAT })
  sku!: string;

  @ApiProperty({ example: 'Coffee mug' })
  @ConformsTo(productName)
  name!: string;

  @ApiProperty({ example: 1250, description: 'integer cents', minimum: 0, maximum: MAX_PRICE_CENTS })
  @ConformsTo(priceCents)
  priceCents!: number;

  @ApiProperty({ example: 10 })
  @IsInt()
  @Min(0)
  @Max(MAX_STOCK)
  quantity!: number;
}

export class UpdateProductRequest {
  @ApiPropertyOptional()
  @IsOptional()
  @ConformsTo(productName)
  name?: string;

  @ApiPropertyOptional({ description: 'integer cents', minimum: 0, maximum: MAX_PRICE_CENTS })
  @IsOptional()
  @ConformsTo(priceCents)
  priceCents?: number;
}

export class RestockRequest {
  @ApiProperty({ example: 5 })
  @IsInt()
  @Min(1)
  @Max(MAX_STOCK)
  quantity!: number;
}

export class ProductResponse {
  @ApiProperty() sku!: string;
  @ApiProperty() name!: string;
  @ApiProperty() priceCents!: number;
  @ApiProperty() available!: number;
  @ApiProperty() reserved!: number;
  @ApiProperty() sold!: number;
}
