import { AsyncLocalStorage } from 'node:async_hooks';

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
};
