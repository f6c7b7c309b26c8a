import { z } from 'zod';

/** Field shapes reused by several contracts. */
export const sku = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
export const cents = z.number().int().nonnegative();
export const quantity = z.number().int().positive();
export const orderLine = z.object({ sku, quantity }).strict();
export const pricedLine = z.object({ sku, quantity, unitPriceCents: cents }).strict();
export const cancellationReason = z.enum(['OUT_OF_STOCK', 'PAYMENT_DECLINED']);
