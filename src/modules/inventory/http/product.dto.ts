import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

const SKU = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_CENTS = 100_000_000;
const MAX_STOCK = 1_000_000;

export class RegisterProductRequest {
  @ApiProperty({ example: 'MUG-01', pattern: SKU.source })
  @Matches(SKU, { message: 'sku must be 1-64 of A-Za-z0-9_-' })
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
