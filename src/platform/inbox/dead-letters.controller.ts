import { Controller, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { DispatchOutcome, EventDispatcher } from '../messaging/event-dispatcher';
import { ModuleRegistry } from '../messaging/module-registry';
import { DeadLetter } from './dead-letters';

export class ModuleQuery {
  @ApiProperty({ example: 'payments', description: 'a module this process runs' })
  @IsString()
  @Matches(/^[a-z]+$/)
  module!: string;
}

/**
 * Operators' view of the parked events of the modules this process runs: list them, and retry
 * one once its cause is fixed. A delivery is run again through the same dispatcher (contract
 * check, inbox, effect); an outbox row goes back to the outbox for the relay.
 */
@ApiTags('operations')
@Controller('dead-letters')
export class DeadLettersController {
  constructor(
    private readonly modules: ModuleRegistry,
    private readonly dispatcher: EventDispatcher,
  ) {}

  @Get()
  list(@Query() { module }: ModuleQuery): Promise<DeadLetter[]> {
    return this.module(module).deadLetters.list();
  }

  @Post(':module/:id/retry')
  @HttpCode(200)
  async retry(
    @Param('module') module: string,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<{ retried: true; outcome: DispatchOutcome['kind'] | 'requeued' }> {
    const { deadLetters } = this.module(module);
    const letter = await deadLetters.find(id);
    if (!letter || letter.retriedAt) throw new NotFoundException(`no open dead letter ${id} in ${module}`);
    if (letter.source === 'outbox') {
      await deadLetters.requeueOutbox(id);
      return { retried: true, outcome: 'requeued' };
    }
    const raw = letter.raw ?? JSON.stringify(letter.envelope);
    const outcome = await this.dispatcher.retryParked(letter.consumer!, letter.type ?? '', raw);
    await deadLetters.markRetried(id);
    return { retried: true, outcome: outcome.kind };
  }

  private module(name: string) {
    if (!this.modules.has(name)) throw new NotFoundException(`module ${name} does not run in this process`);
    return this.modules.get(name);
  }
}
