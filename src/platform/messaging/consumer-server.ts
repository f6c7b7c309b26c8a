import { MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { EventEnvelope } from '../../contracts/event-envelope';
import { EventDispatcher } from './event-dispatcher';

interface Listener {
  pattern: string;
  handler: MessageHandler;
}

/**
 * The base of our transports. Nest links every `@EventPattern` method of one pattern into a
 * chain (calling one link calls the next); here each method stays alone, registered for the
 * consumer its extras name, so one module's delivery never runs another module's handler.
 */
export abstract class ConsumerServer extends Server {
  private readonly listeners: Listener[] = [];

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    const name = this.normalizePattern(pattern as string);
    if (!isEventHandler) throw new Error(`@MessagePattern('${name}') is not supported: listeners are @EventPattern methods`);
    callback.isEventHandler = true;
    callback.extras = extras;
    this.listeners.push({ pattern: name, handler: callback });
  }

  /** Hands each listener to the dispatcher; a wiring mistake fails the boot, naming the method's pattern. */
  protected registerListeners(dispatcher: EventDispatcher): void {
    for (const { pattern, handler } of this.listeners) {
      const { consumer, version, onlyThisVersion } = handler.extras ?? {};
      if (typeof consumer !== 'string' || typeof version !== 'number') {
        throw new Error(`@EventPattern('${pattern}') needs { consumer: '<module>', version: <n> } in its extras (use @Listens(contract, consumer))`);
      }
      const handle = async (event: EventEnvelope) => {
        const result = await handler(event);
        await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      };
      dispatcher.register(consumer, pattern, { handle, version, onlyThisVersion: onlyThisVersion === true });
    }
  }
}
