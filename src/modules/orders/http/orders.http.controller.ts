import { BadRequestException, Body, Controller, Get, Headers, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { PlaceOrder } from '../commands/place-order.handler';
import { OrderState } from '../domain/order.aggregate';
import { OrderNotFoundError } from '../domain/orders.errors';
import { OrderRepository } from '../infrastructure/order.repository';
import { OrderResponse, PlacedOrderResponse, PlaceOrderRequest } from './place-order.dto';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

@ApiTags('orders')
@Controller('orders')
export class OrdersHttpController {
  constructor(
    private readonly commands: CommandBus,
    private readonly tx: TransactionRunner,
    private readonly orders: OrderRepository,
  ) {}

  @Post()
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'retries with the same key and body answer the first order' })
  async place(
    @Body() body: PlaceOrderRequest,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PlacedOrderResponse> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new BadRequestException('Idempotency-Key must be 1-255 visible ASCII characters');
    }
    const { customerId, customerEmail, paymentToken } = body;
    const lines = body.items.map(({ sku, quantity }) => ({ sku, quantity }));
    const order: OrderState = await this.commands.execute(
      new PlaceOrder({ customerId, customerEmail, paymentToken, lines }, idempotencyKey),
    );
    reply.header('Location', `/orders/${order.id}`);
    return { orderId: order.id, status: 'PENDING', totalCents: order.totalCents, items: order.items };
  }

  @Get(':id')
  async get(@Param('id', new ParseUUIDPipe()) id: string): Promise<OrderResponse> {
    const order = await this.tx.single((m) => this.orders.find(m, id));
    if (!order) throw new OrderNotFoundError(id);
    return {
      orderId: order.id,
      status: order.status,
      cancellationReason: order.cancellationReason,
      customerId: order.customerId,
      customerEmail: order.customerEmail,
      items: order.items,
      totalCents: order.totalCents,
      createdAt: new Date(order.createdAt).toISOString(),
      updatedAt: new Date(order.updatedAt).toISOString(),
    };
  }
}
