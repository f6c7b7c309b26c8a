import { Controller, ForbiddenException, Get, HttpCode, Logger, NotFoundException, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { Redactor } from '../../contracts/redaction';
import { AdminScope } from '../admin/admin-credentials';
import { GrantedScope, OperatorEndpoint } from '../admin/operator-endpoint.decorator';
import { EventDispatcher } from '../messaging/event-dispatcher';
import { ModuleRegistry } from '../messaging/module-registry';
import { retryDeadLetter, RetryOutcome } from './dead-letter-retry';
import { DeadLetter } from './dead-letters';
import { viewDeadLetter } from './dead-letter-view';

export class ModuleQuery {
  @ApiProperty({ example: 'payments', description: 'a module this process runs' })
  @IsString()
  @Matches(/^[a-z]+$/)
  module!: string;

  @ApiPropertyOptional({ enum: ['personal'], description: 'show personal data (e-mail): the full scope (ADMIN_FULL_TOKEN) only' })
  @IsOptional()
  @IsIn(['personal'])
  reveal?: 'personal';
}

/**
 * Operators' view of the parked events of the modules this process runs: list them, and retry
 * one once its cause is fixed. A delivery is run again through the same dispatcher (contract
 * check, inbox, effect); an outbox row goes back to the outbox for the relay. Listings never
 * show a secret, and show personal data only to the full scope that asks for it.
 */
@ApiTags('operations')
@Controller('dead-letters')
export class DeadLettersController {
  private readonly logger = new Logger('DeadLetters');

  constructor(
    private readonly modules: ModuleRegistry,
    private readonly dispatcher: EventDispatcher,
    private readonly redactor: Redactor,
  ) {}

  @Get()
  @OperatorEndpoint()
  async list(@Query() { module, reveal }: ModuleQuery, @GrantedScope() scope: AdminScope): Promise<DeadLetter[]> {
    const revealPersonal = reveal === 'personal';
    if (revealPersonal && scope !== 'full') {
      throw new ForbiddenException({ message: 'personal data needs the full admin scope (ADMIN_FULL_TOKEN)', code: 'ADMIN_SCOPE' });
    }
    const letters = await this.module(module).deadLetters.list();
    // Who saw personal data, for the audit trail; never the data itself.
    if (revealPersonal) this.logger.log(`personal data of ${letters.length} dead letters of ${module} shown to the full admin scope`);
    return letters.map((letter) => viewDeadLetter(letter, this.redactor, revealPersonal));
  }

  @Post(':module/:id/retry')
  @OperatorEndpoint()
  @HttpCode(200)
  async retry(
    @Param('module') module: string,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<{ retried: true; outcome: RetryOutcome }> {
    const outcome = await retryDeadLetter(this.module(module).deadLetters, this.dispatcher, id);
    if (!outcome) throw new NotFoundException(`no open dead letter ${id} in ${module}`);
    return { retried: true, outcome };
  }

  private module(name: string) {
    if (!this.modules.has(name)) throw new NotFoundException(`module ${name} does not run in this process`);
    return this.modules.get(name);
  }
}
