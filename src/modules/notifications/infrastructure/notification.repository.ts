import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { sql } from '../../../platform/database/sql';
import { Email, Template } from '../domain/templates';

export interface NotificationRow {
  id: string;
  orderId: string;
  template: Template;
  to: string;
  subject: string;
  sentAt: Date;
}

export interface OutgoingEmail extends Email {
  id: string;
}

@Injectable()
export class NotificationRepository {
  /** False when this (order, template) is recorded already: at most one e-mail each. */
  async record(m: EntityManager, n: { id: string; orderId: string; template: Template; email: Email }): Promise<boolean> {
    const rows = await sql.rows(
      m,
      `INSERT INTO notifications.notifications (id, order_id, template, "to", subject, body) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (order_id, template) DO NOTHING RETURNING id`,
      [n.id, n.orderId, n.template, n.email.to, n.email.subject, n.email.text],
    );
    return rows.length === 1;
  }

  /** Claims unsent e-mails for `leaseMs`: a sender that died mid-send is taken over after that. */
  async claimUnsent(m: EntityManager, limit: number, leaseMs: number): Promise<OutgoingEmail[]> {
    return sql.rows<OutgoingEmail>(
      m,
      `WITH due AS (
         SELECT id AS due_id FROM notifications.notifications
         WHERE sent_at IS NULL AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE notifications.notifications n SET claimed_until = now() + $2::int * interval '1 millisecond'
       FROM due WHERE n.id = due.due_id RETURNING id, "to", subject, body AS text`,
      [limit, leaseMs],
    );
  }

  async markSent(m: EntityManager, id: string): Promise<void> {
    await sql.exec(m, `UPDATE notifications.notifications SET sent_at = now(), claimed_until = NULL, last_error = NULL WHERE id = $1`, [id]);
  }

  /** The mail server did not take it: try again later, backing off (200 ms doubling, at most 30 s). */
  async postpone(m: EntityManager, id: string, error: string): Promise<void> {
    await sql.exec(
      m,
      `UPDATE notifications.notifications SET attempts = attempts + 1, claimed_until = NULL, last_error = $2,
         next_attempt_at = now() + LEAST(30000, 200 * power(2, LEAST(attempts, 20))) * interval '1 millisecond'
       WHERE id = $1`,
      [id, error.slice(0, 2000)],
    );
  }

  /** Sent e-mails only. */
  async list(m: EntityManager, orderId: string): Promise<NotificationRow[]> {
    return sql.rows<NotificationRow>(
      m,
      `SELECT id, order_id AS "orderId", template, "to", subject, sent_at AS "sentAt"
       FROM notifications.notifications WHERE order_id = $1 AND sent_at IS NOT NULL ORDER BY sent_at`,
      [orderId],
    );
  }
}
