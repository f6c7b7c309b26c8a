import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { AppConfig, databaseUrlFor } from '../../../config/app-config';
import { APP_CONFIG } from '../../../config/config.module';
import { postgresConnection } from '../../../platform/database/postgres-tls';
import { ChargeRequest, ChargeResult, PaymentGateway, RefundRequest } from '../domain/payment-gateway.port';
import { decideCharge } from './simulated-charge-rules';

interface LedgerRow {
  outcome: 'captured' | 'declined';
  charge_id: string;
  reason: string | null;
}

/**
 * Deterministic stand-in for a real gateway (a fake of what is outside the product). Like a
 * real one it keeps its own ledger, one row per executed charge, shared by every payments
 * replica: an idempotency key is honoured across processes, and a test can count what ran.
 * The ledger has its own schema and its own connections (a real gateway never waits for the
 * caller's pool), written outside the caller's transaction (its records survive a rollback).
 */
@Injectable()
export class SimulatedPaymentGateway extends PaymentGateway implements OnModuleInit, OnApplicationShutdown {
  private readonly pool: Pool;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    // The same URL means the same TLS as the module's own pool.
    const connection = postgresConnection(databaseUrlFor(config, 'payments'), config.database.caFile);
    this.pool = new Pool({ ...connection, max: 4, application_name: 'gateway-simulator' });
    // An idle connection cut by a database restart must not become an unhandled 'error' (a crash).
    this.pool.on('error', () => undefined);
  }

  /** After the listeners have finished (a charge in flight at SIGTERM still completes). */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  async onModuleInit(): Promise<void> {
    const runner = await this.pool.connect();
    try {
      // Replicas start together: one creates the ledger, the others wait for it.
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', ['gateway_simulator']);
      await runner.query('CREATE SCHEMA IF NOT EXISTS gateway_simulator');
      await runner.query(`
        CREATE TABLE IF NOT EXISTS gateway_simulator.charges (
          idempotency_key text PRIMARY KEY,
          token text NOT NULL,
          amount_cents bigint NOT NULL,
          outcome text NOT NULL,
          reason text,
          charge_id text NOT NULL,
          executed_at timestamptz NOT NULL DEFAULT now()
        )`);
      await runner.query(`
        CREATE TABLE IF NOT EXISTS gateway_simulator.refunds (
          idempotency_key text PRIMARY KEY,
          charge_id text NOT NULL UNIQUE,
          amount_cents bigint NOT NULL,
          refund_id text NOT NULL,
          executed_at timestamptz NOT NULL DEFAULT now()
        )`);
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', ['gateway_simulator']).catch(() => undefined);
      runner.release();
    }
  }

  async charge({ idempotencyKey, amountCents, token }: ChargeRequest): Promise<ChargeResult> {
    const decision = decideCharge(token);
    const { rows: [executed] } = await this.pool.query<LedgerRow>(
      `INSERT INTO gateway_simulator.charges (idempotency_key, token, amount_cents, outcome, reason, charge_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING RETURNING outcome, charge_id, reason`,
      [idempotencyKey, token, amountCents, decision.outcome, decision.reason ?? null, `ch_${randomUUID().replace(/-/g, '')}`],
    );
    const row: LedgerRow =
      executed ??
      (await this.pool.query<LedgerRow>('SELECT outcome, charge_id, reason FROM gateway_simulator.charges WHERE idempotency_key = $1', [
        idempotencyKey,
      ])).rows[0];
    return row.outcome === 'captured'
      ? { outcome: 'captured', chargeId: row.charge_id }
      : { outcome: 'declined', chargeId: row.charge_id, reason: row.reason ?? 'declined' };
  }

  /** Refunds a captured charge once per key (and once per charge, as a real gateway would refuse a second). */
  async refund({ idempotencyKey, chargeId, amountCents }: RefundRequest): Promise<{ refundId: string }> {
    const { rows: [charge] } = await this.pool.query<{ amount_cents: string; outcome: string }>(
      'SELECT amount_cents, outcome FROM gateway_simulator.charges WHERE charge_id = $1',
      [chargeId],
    );
    if (!charge || charge.outcome !== 'captured' || Number(charge.amount_cents) !== amountCents) {
      throw new Error(`gateway: no captured charge ${chargeId} of ${amountCents} to refund`);
    }
    const { rows: [done] } = await this.pool.query<{ refund_id: string }>(
      `INSERT INTO gateway_simulator.refunds (idempotency_key, charge_id, amount_cents, refund_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING refund_id`,
      [idempotencyKey, chargeId, amountCents, `re_${randomUUID().replace(/-/g, '')}`],
    );
    if (done) return { refundId: done.refund_id };
    const { rows: [first] } = await this.pool.query<{ refund_id: string }>('SELECT refund_id FROM gateway_simulator.refunds WHERE charge_id = $1', [
      chargeId,
    ]);
    return { refundId: first.refund_id };
  }
}
