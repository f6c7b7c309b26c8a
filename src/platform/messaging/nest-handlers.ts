import { BaseRpcContext, MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { EventEnvelope } from '../../contracts/event-envelope';
import { EventDispatcher } from './event-dispatcher';

/** What an `@Ctx()` parameter receives in a listener: the consuming module's name. */
export class EventContext extends BaseRpcContext<[string]> {
  getConsumer(): string {
    return this.args[0];
  }
}

/**
 * Hands every `@EventPattern(type, { consumer })` method Nest registered on a transport server
 * to the dispatcher, keyed by consuming module and event type.
 */
export function registerEventHandlers(server: Server, dispatcher: EventDispatcher): void {
  for (const [pattern, head] of server.getHandlers()) {
    for (let handler: MessageHandler | undefined = head; handler; handler = handler.next) {
      const consumer = handler.extras?.consumer;
      if (!handler.isEventHandler || typeof consumer !== 'string') {
        throw new Error(`@EventPattern('${pattern}') needs { consumer: '<module>' } in its extras`);
      }
      const nestHandler = handler;
      dispatcher.register(consumer, pattern, async (event: EventEnvelope) => {
        const result = await nestHandler(event, new EventContext([consumer]));
        await lastValueFrom(server.transformToObservable(result), { defaultValue: undefined });
      });
    }
  }
}
