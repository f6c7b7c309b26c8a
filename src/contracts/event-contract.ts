import { z } from 'zod';
import { EventEnvelope } from './event-envelope';

/**
 * Payload fields that need care outside the consumers: a `secret` (a credential) is removed
 * before an event is parked or logged; a `personal` field (an e-mail) is hidden from operators
 * unless they ask with the full admin scope.
 */
export interface SensitiveFields {
  readonly secret?: readonly string[];
  readonly personal?: readonly string[];
}

/** What a contract declares besides its schema. */
export interface ContractOptions extends SensitiveFields {
  /** One line for the event catalogue and the AsyncAPI document: what happened, in business words. */
  readonly description?: string;
}

/** A contract is data: a literal type, a version and a runtime schema of its payload. */
export interface EventContract<TType extends string = string, TPayload = unknown> {
  readonly type: TType;
  readonly version: number;
  readonly payload: z.ZodType<TPayload, any>;
  readonly sensitive: Required<SensitiveFields>;
  readonly description?: string;
}

export function defineContract<TType extends string, TSchema extends z.ZodType>(
  type: TType,
  version: number,
  payload: TSchema,
  options: ContractOptions = {},
): EventContract<TType, z.infer<TSchema>> {
  return {
    type,
    version,
    payload: payload as z.ZodType<z.infer<TSchema>, any>,
    sensitive: { secret: options.secret ?? [], personal: options.personal ?? [] },
    description: options.description,
  };
}

/** The envelope type carried by a contract. */
export type EventOf<C> = C extends EventContract<infer T, infer P> ? EventEnvelope<T, P> : never;

/** The producing module of an event type: `orders.OrderPlaced` → `orders`. */
export function producerOf(type: string): string {
  return type.slice(0, type.indexOf('.'));
}

export function contractKey(type: string, version: number): string {
  return `${type}@v${version}`;
}
