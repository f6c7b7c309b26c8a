import { AsyncLocalStorage } from 'node:async_hooks';
import { activeTraceparent } from '../observability/tracing/trace-context';

/** Where the current unit of work came from: stamped on every event it writes. */
export interface MessageContext {
  correlationId: string;
  causationId: string;
  traceparent?: string;
}

const storage = new AsyncLocalStorage<MessageContext>();

export const messageContext = {
  current: (): MessageContext | undefined => storage.getStore(),
  run: <T>(context: MessageContext, work: () => T): T => storage.run(context, work),
  /** The trace this work belongs to: the active span's (tracing on), else the traceparent it was handed. */
  traceparent: (): string | undefined => activeTraceparent() ?? storage.getStore()?.traceparent,
};
