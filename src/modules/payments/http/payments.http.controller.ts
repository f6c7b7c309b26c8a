import { Controller, Get, Query } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { PaymentRepository } from '../infrastructure/payment.repository';

export class PaymentsQuery {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  orderId!: string;
}

export class PaymentResponse {
  @ApiProperty() paymentId!: string;
  @ApiProperty() orderId!: string;
  @ApiProperty() amountCents!: number;
  @ApiProperty({ enum: ['CAPTURED', 'DECLINED', 'VOIDED', 'REFUNDED'] }) status!: string;
  @ApiProperty({ nullable: true }) declineReason!: string | null;
  @ApiProperty() createdAt!: string;
}

@ApiTags('payments')
@Controller('payments')
export class PaymentsHttpController {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly payments: PaymentRepository,
  ) {}

  @Get()
  async list(@Query() { orderId }: PaymentsQuery): Promise<PaymentResponse[]> {
    const payments = await this.tx.single((m) => this.payments.listDecided(m, orderId));
    return payments.map((p) => ({
      paymentId: p.id,
      orderId: p.orderId,
      amountCents: p.amountCents,
      // A refund on its way: the money is still captured until the gateway says otherwise.
      status: p.status === 'REFUNDING' ? 'CAPTURED' : p.status,
      declineReason: p.declineReason,
      createdAt: new Date(p.createdAt).toISOString(),
    }));
  }
}
