import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, ValidateNested } from 'class-validator';
import { z } from 'zod';
import {
  CANCELLATION_REASONS,
  email,
  lineQuantity,
  MAX_LINE_QUANTITY,
  MAX_ORDER_LINES,
  orderLines,
  paymentToken,
  sku,
  SKU_FORMAT,
  uuid,
} from '../../../contracts/shared-schemas';
import { ConformsTo } from '../../../platform/http/conforms-to';

/** Each field is checked with the OrderPlaced contract's own schema: what is accepted here can be published. */
export class OrderItemRequest {
  @ApiProperty({ example: 'MUG-01' })
  @ConformsTo(sku, { message: SKU_FORMAT })
  sku!: string;

  @ApiProperty({ example: 1, minimum: 1, maximum: MAX_LINE_QUANTITY })
  @ConformsTo(lineQuantity)
  quantity!: number;
}

export class PlaceOrderRequest {
  @ApiProperty({ format: 'uuid' })
  @ConformsTo(uuid)
  customerId!: string;

  @ApiProperty({ example: 'ada@example.com', description: 'ASCII addresses only (no quoted local parts)' })
  @ConformsTo(email)
  customerEmail!: string;

  @ApiProperty({ type: [OrderItemRequest], minItems: 1, maxItems: MAX_ORDER_LINES })
  @IsArray()
  @ConformsTo(orderLines(z.unknown()))
  @ValidateNested({ each: true })
  @Type(() => OrderItemRequest)
  items!: OrderItemRequest[];

  @ApiProperty({ example: 'tok_visa', description: 'a payment gateway token (Stripe test tokens work)' })
  @ConformsTo(paymentToken)
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
