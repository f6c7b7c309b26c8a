import { z } from 'zod';

/** Field shapes reused by several contracts. */
/** The sku format every module checks, at its HTTP edge and in its contracts. */
export const SKU_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const SKU_FORMAT = 'sku must be 1-64 of A-Za-z0-9_-';

export const sku = z.string().regex(SKU_PATTERN);
export const cents = z.number().int().nonnegative();
export const quantity = z.number().int().positive();
export const orderLine = z.object({ sku, quantity }).strict();
export const pricedLine = z.object({ sku, quantity, unitPriceCents: cents }).strict();
/** Why an order was cancelled: written here once, read by every module that needs it. */
export const CANCELLATION_REASONS = ['OUT_OF_STOCK', 'PAYMENT_DECLINED', 'TIMED_OUT'] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];
export const cancellationReason = z.enum(CANCELLATION_REASONS);
