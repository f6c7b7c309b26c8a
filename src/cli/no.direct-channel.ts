import { DirectChannel } from '../platform/messaging/direct/direct-channel';

/**
 * The CLI serves no point-to-point requests (a running payments module does) and sends none
 * (the workers that send them do not run here).
 */
export class NoDirectChannel extends DirectChannel {
  serve(): Promise<void> {
    return Promise.resolve();
  }

  send(name: string): Promise<void> {
    return Promise.reject(new Error(`the operator CLI sends no ${name} request`));
  }
}
