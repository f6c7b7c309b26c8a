import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { z } from 'zod';
import { DEPOSIT_PAYMENT_CREDENTIAL, depositPaymentCredential } from '../../../contracts/payments/deposit-payment-credential.request';
import { DirectChannel, RequestRefusedError } from '../../../platform/messaging/direct/direct-channel';
import { DepositPaymentCredential } from '../commands/deposit-payment-credential.handler';

/** Payments' side of the card-token hand-over: validate against the request's contract, then store. */
@Injectable()
export class PaymentCredentialEndpoint implements OnApplicationBootstrap {
  constructor(
    private readonly channel: DirectChannel,
    private readonly commands: CommandBus,
  ) {}

  onApplicationBootstrap(): Promise<void> {
    return this.channel.serve(DEPOSIT_PAYMENT_CREDENTIAL, async (body) => {
      const parsed = depositPaymentCredential.safeParse(body);
      // Never echo the body: it may hold a token.
      if (!parsed.success) throw new RequestRefusedError(`not a ${DEPOSIT_PAYMENT_CREDENTIAL} request: ${z.prettifyError(parsed.error).split('\n')[0]}`);
      await this.commands.execute(new DepositPaymentCredential(parsed.data));
    });
  }
}
