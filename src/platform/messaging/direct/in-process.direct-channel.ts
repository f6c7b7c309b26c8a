import { Injectable } from '@nestjs/common';
import { DirectChannel, DirectHandler } from './direct-channel';

/** One process runs every module: a request is a call, with the body copied as a wire would. */
@Injectable()
export class InProcessDirectChannel extends DirectChannel {
  private readonly handlers = new Map<string, DirectHandler>();

  async serve(name: string, handler: DirectHandler): Promise<void> {
    this.handlers.set(name, handler);
  }

  async send(name: string, body: unknown): Promise<void> {
    const handler = this.handlers.get(name);
    if (!handler) throw new Error(`no server of ${name} in this process`);
    await handler(JSON.parse(JSON.stringify(body)));
  }
}
