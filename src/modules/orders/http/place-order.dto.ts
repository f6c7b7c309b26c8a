import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { CANCELLATION_REASONS, SKU_FORMAT, SKU_PATTERN } from '../../../contracts/shared-schemas';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsEmail, IsInt, IsUUID, Length, Matches, Max, Min, ValidateNested } from 'class-validator';

export class OrderItemRequest {
  @ApiProperty({ example: 'MUG-01' })
  @Matches(SKU_PATTERN, { message: SKU_FORMAT })
  sku!: string;

  @ApiProperty({ example: 1, minimum: 1, maximum: 1000 })
  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;
}

export class PlaceOrderRequest {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  customerId!: string;

  @ApiProperty({ example: 'ada@example.com' })
  @IsEmail()
  @Length(3, 254)
  customerEmail!: string;

  @ApiProperty({ type: [OrderItemRequest], minItems: 1, maxItems: 100 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OrderItemRequest)
  items!: OrderItemRequest[];

  @ApiProperty({ example: 'tok_visa', description: 'a payment gateway token (Stripe test tokens work)' })
  @Matches(/^[A-Za-z0-9_]{1,128}$/, { message: 'paymentToken must be 1-128 of A-Za-z0-9_' })
  paymentToken!: string;
}

export class OrderLineResponse {
  @ApiProperty() sku!: string;
  @ApiProperty() quantity!: number;
  @ApiProperty() unitPriceCents!: number;
}

export class PlacedOrderResponse {
  @ApiProperty() orderId!: string;
  @ApiProperty({ enum: ['PENDING'] }) status!: 'PENDING';
  @ApiProperty() totalCents!: number;
  @ApiProperty({ type: [OrderLineResponse] }) items!: OrderLineResponse[];
}

export class OrderResponse {
  @ApiProperty() orderId!: string;
  @ApiProperty({ enum: ['PENDING', 'CONFIRMED', 'CANCELLED'] }) status!: string;
  @ApiProperty({ enum: CANCELLATION_REASONS, nullable: true }) cancellationReason!: string | null;
  @ApiProperty() customerId!: string;
  @ApiProperty() customerEmail!: string;
  @ApiProperty({ type: [OrderLineResponse] }) items!: OrderLineResponse[];
  @ApiProperty() totalCents!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}
