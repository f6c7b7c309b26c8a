import { Sql } from '../../../platform/database/sql';
import { Injectable } from '@nestjs/common';
import { claimDueWork, DueWorkTable, postponeDueWork } from '../../../platform/database/due-work';
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

/** E-mails recorded but not sent yet. */
const UNSENT: DueWorkTable = { table: 'notifications.notifications', due: 'sent_at IS NULL', returning: 'id, "to", subject, body AS text' };

@Injectable()
export class NotificationRepository {
  /**
   * Records the e-mail of (order, template) once, claimed for `claimMs`, with the COMMIT: true
   * (once committed) when this was the first. Read it after the commit, never inside the unit.
   */
  async recordAtCommit(m: Sql, n: { id: string; orderId: string; template: Template; email: Email }, claimMs: number): Promise<boolean> {
    const { rows } = await sql.laterAnswered(
      m,
      `INSERT INTO notifications.notifications (id, order_id, template, "to", subject, body, claimed_until)
       VALUES ($1, $2, $3, $4, $5, $6, now() + $7::int * interval '1 millisecond')
       ON CONFLICT (order_id, template) DO NOTHING RETURNING id`,
      [n.id, n.orderId, n.template, n.email.to, n.email.subject, n.email.text, claimMs],
    );
    return rows.length === 1;
  }

  /** Claims unsent e-mails for `leaseMs`: a sender that died mid-send is taken over after that. */
  claimUnsent(m: Sql, limit: number, leaseMs: number): Promise<OutgoingEmail[]> {
    return claimDueWork<OutgoingEmail>(m, UNSENT, limit, leaseMs);
  }

  async markSent(m: Sql, ids: string[]): Promise<void> {
    await sql.exec(m, `UPDATE notifications.notifications SET sent_at = now(), claimed_until = NULL, last_error = NULL WHERE id = ANY($1::uuid[])`, [ids]);
  }

  /** The mail server did not take it: try again later. */
  postpone(m: Sql, id: string, error: string): Promise<void> {
    return postponeDueWork(m, UNSENT, id, error);
  }

  /** Sent e-mails only. */
  async list(m: Sql, orderId: string): Promise<NotificationRow[]> {
    return sql.rows<NotificationRow>(
      m,
      `SELECT id, order_id AS "orderId", template, "to", subject, sent_at AS "sentAt"
       FROM notifications.notifications WHERE order_id = $1 AND sent_at IS NOT NULL ORDER BY sent_at`,
      [orderId],
    );
  }
}
