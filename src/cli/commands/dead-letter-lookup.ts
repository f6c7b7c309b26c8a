import { Injectable } from '@nestjs/common';
import { DeadLetter } from '../../platform/inbox/dead-letters';
import { ModuleMessaging, ModuleRegistry } from '../../platform/messaging/module-registry';
import { UsageError } from '../cli-output';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The modules a dead-letter command looks at, and the module holding one dead letter. */
@Injectable()
export class DeadLetterLookup {
  constructor(private readonly modules: ModuleRegistry) {}

  /** `--module`, or every module this process runs. */
  select(module?: string): ModuleMessaging[] {
    if (module === undefined) return this.modules.all();
    if (!this.modules.has(module)) {
      throw new UsageError(`--module ${JSON.stringify(module)}: not a module here (${this.modules.all().map((m) => m.name).join(', ')})`);
    }
    return [this.modules.get(module)];
  }

  /** The open or retried letter with this id, and its module; an unknown id fails. */
  async find(id: string | undefined, module?: string): Promise<{ module: ModuleMessaging; letter: DeadLetter }> {
    if (!id || !UUID.test(id)) throw new UsageError(`expected the dead letter's id (a UUID), got ${JSON.stringify(id ?? '')}`);
    for (const candidate of this.select(module)) {
      const letter = await candidate.deadLetters.find(id);
      if (letter) return { module: candidate, letter };
    }
    throw new Error(`no dead letter ${id} in ${module ?? 'any module here'}`);
  }
}
