import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CommandWorker } from '../../../platform/worker/command-worker';
import { SendDueEmails } from '../commands/send-due-emails.handler';

/** Mails what the listeners recorded; woken after the commit that recorded it. */
@Injectable()
export class EmailSenderWorker extends CommandWorker {
  constructor(commands: CommandBus) {
    super(commands, 'EmailSender', () => new SendDueEmails());
  }
}
