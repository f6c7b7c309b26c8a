import { Injectable } from '@nestjs/common';
import { CustomTransportStrategy } from '@nestjs/microservices';
import { ConsumerServer } from '../consumer-server';
import { EventDispatcher } from '../event-dispatcher';

export const IN_PROCESS_TRANSPORT = Symbol('IN_PROCESS_TRANSPORT');

/**
 * The listening side of the in-process transport: it only registers the `@EventPattern`
 * methods with the dispatcher; the relays deliver through InProcessPublisher.
 */
@Injectable()
export class InProcessServer extends ConsumerServer implements CustomTransportStrategy {
  override readonly transportId = IN_PROCESS_TRANSPORT;

  constructor(private readonly dispatcher: EventDispatcher) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    try {
      this.registerListeners(this.dispatcher);
      callback();
    } catch (error) {
      callback(error);
    }
  }

  close(): void {}

  on(): void {
    throw new Error('InProcessServer does not emit events');
  }

  unwrap<T>(): T {
    return this.dispatcher as T;
  }
}
