import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { PollingWorker } from '../../../platform/worker/polling-worker';
import { SendDueEmails } from '../commands/send-due-emails.handler';

/** Mails what the listeners recorded; woken after the commit that recorded it. */
@Injectable()
export class EmailSenderWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly worker: PollingWorker;

  constructor(commands: CommandBus) {
    this.worker = new PollingWorker({
      name: 'EmailSender',
      round: async () => (await commands.execute(new SendDueEmails())) as number,
      pollMinMs: 50,
      pollMaxMs: 1_000,
    });
  }

  wake(): void {
    this.worker.wake();
  }

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.worker.stop();
  }
}
