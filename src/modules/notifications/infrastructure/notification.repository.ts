import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Template } from '../domain/templates';

export interface NotificationRow {
  id: string;
  orderId: string;
  template: Template;
  to: string;
  subject: string;
  sentAt: Date;
}

@Injectable()
export class NotificationRepository {
  /** False when this (order, template) was sent already: at most one e-mail each. */
  async claim(m: EntityManager, n: { id: string; orderId: string; template: Template; to: string; subject: string }): Promise<boolean> {
    const rows = await m.query(
      `INSERT INTO notifications.notifications (id, order_id, template, "to", subject) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (order_id, template) DO NOTHING RETURNING id`,
      [n.id, n.orderId, n.template, n.to, n.subject],
    );
    return rows.length === 1;
  }

  async list(m: EntityManager, orderId: string): Promise<NotificationRow[]> {
    return m.query(
      `SELECT id, order_id AS "orderId", template, "to", subject, sent_at AS "sentAt"
       FROM notifications.notifications WHERE order_id = $1 ORDER BY sent_at`,
      [orderId],
    );
  }
}
