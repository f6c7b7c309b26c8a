import { z } from 'zod';

/**
 * Field shapes reused by several contracts, and by the HTTP edges that feed them: a request
 * the edge accepts always makes events their contracts accept (one rule, in one place).
 */
/** The sku format every module checks, at its HTTP edge and in its contracts. */
export const SKU_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const SKU_FORMAT = 'sku must be 1-64 of A-Za-z0-9_-';

/**
 * Money limits that JS numbers and the columns hold exactly: a price fits Postgres `integer`,
 * and the largest order (100 lines × 1,000 units × the top price = 10^13) stays far below 2^53.
 */
export const MAX_PRICE_CENTS = 100_000_000;
export const MAX_LINE_QUANTITY = 1_000;
export const MAX_ORDER_LINES = 100;

export const sku = z.string().regex(SKU_PATTERN);
/** RFC 9562 ids (zod's rule, stricter than class-validator's IsUUID about version and variant). */
export const uuid = z.uuid();
/** Any amount of money on the wire: a bigint column read back into a JS number stays exact. */
export const cents = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const priceCents = z.number().int().nonnegative().max(MAX_PRICE_CENTS);
export const quantity = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** One line of an order as placed; inventory sums the lines of one sku, so its lines may hold more. */
export const lineQuantity = quantity.max(MAX_LINE_QUANTITY);
export const productName = z.string().min(1).max(200);
export const email = z.email().max(254);
export const paymentToken = z.string().regex(/^[A-Za-z0-9_]{1,128}$/, 'must be 1-128 of A-Za-z0-9_');
export const orderLine = z.object({ sku, quantity }).strict();
export const pricedLine = z.object({ sku, quantity: lineQuantity, unitPriceCents: priceCents }).strict();
export const orderLines = <T extends z.ZodType>(line: T) => z.array(line).min(1).max(MAX_ORDER_LINES);
/** Why an order was cancelled: written here once, read by every module that needs it. */
export const CANCELLATION_REASONS = ['OUT_OF_STOCK', 'PAYMENT_DECLINED', 'TIMED_OUT'] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];
export const cancellationReason = z.enum(CANCELLATION_REASONS);
