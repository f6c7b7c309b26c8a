import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { z } from 'zod';
import { DEPOSIT_PAYMENT_CREDENTIAL, depositPaymentCredential } from '../../../contracts/payments/deposit-payment-credential.request';
import { DEPOSIT_PAYMENT_CREDENTIALS, depositPaymentCredentials } from '../../../contracts/payments/deposit-payment-credentials.request';
import { DirectChannel, RequestRefusedError } from '../../../platform/messaging/direct/direct-channel';
import { DepositPaymentCredential, DepositPaymentCredentials } from '../commands/deposit-payment-credential.handler';

/** Payments' side of the card-token hand-over (one token, or a batch): validate against the request's contract, then store. */
@Injectable()
export class PaymentCredentialEndpoint implements OnApplicationBootstrap {
  constructor(
    private readonly channel: DirectChannel,
    private readonly commands: CommandBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.channel.serve(DEPOSIT_PAYMENT_CREDENTIAL, async (body) => {
      const credential = parsed(DEPOSIT_PAYMENT_CREDENTIAL, depositPaymentCredential, body);
      await this.commands.execute(new DepositPaymentCredential(credential));
    });
    await this.channel.serve(DEPOSIT_PAYMENT_CREDENTIALS, async (body) => {
      const { credentials } = parsed(DEPOSIT_PAYMENT_CREDENTIALS, depositPaymentCredentials, body);
      await this.commands.execute(new DepositPaymentCredentials(credentials));
    });
  }
}

function parsed<T>(name: string, schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  // Never echo the body: it may hold a token.
  if (!result.success) throw new RequestRefusedError(`not a ${name} request: ${z.prettifyError(result.error).split('\n')[0]}`);
  return result.data;
}
