import { Controller, Get, Query } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { TransactionRunner } from '../../../platform/database/transaction-runner';
import { NotificationRepository } from '../infrastructure/notification.repository';

export class NotificationsQuery {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  orderId!: string;
}

export class NotificationResponse {
  @ApiProperty() id!: string;
  @ApiProperty() orderId!: string;
  @ApiProperty({ enum: ['order-received', 'order-confirmed', 'order-cancelled'] }) template!: string;
  @ApiProperty() to!: string;
  @ApiProperty() subject!: string;
  @ApiProperty() sentAt!: string;
}

@ApiTags('notifications')
@Controller('notifications')
export class NotificationsHttpController {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly notifications: NotificationRepository,
  ) {}

  @Get()
  async list(@Query() { orderId }: NotificationsQuery): Promise<NotificationResponse[]> {
    const rows = await this.tx.single((m) => this.notifications.list(m, orderId));
    return rows.map((r) => ({ ...r, sentAt: new Date(r.sentAt).toISOString() }));
  }
}
