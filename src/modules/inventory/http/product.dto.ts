import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { SKU_FORMAT, SKU_PATTERN } from '../../../contracts/shared-schemas';

const MAX_CENTS = 100_000_000;
const MAX_STOCK = 1_000_000;

export class RegisterProductRequest {
  @ApiProperty({ example: 'MUG-01', pattern: SKU_PATTERN.source })
  @Matches(SKU_PATTERN, { message: SKU_FORMAT })
  sku!: string;

  @ApiProperty({ example: 'Coffee mug' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ example: 1250, description: 'integer cents' })
  @IsInt()
  @Min(0)
  @Max(MAX_CENTS)
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
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ description: 'integer cents' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_CENTS)
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
