import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '../database/transaction-runner';
import { DeadLetters } from '../inbox/dead-letters';
import { Inbox } from '../inbox/inbox';
import { Outbox } from '../outbox/outbox';
import { OutboxRelay } from '../outbox/outbox-relay';
import { OutboxStore } from '../outbox/outbox-store';

/** The messaging parts of one module (its schema), as the transport sees them. */
export interface ModuleMessaging {
  name: string;
  transactions: TransactionRunner;
  outbox: Outbox;
  outboxStore: OutboxStore;
  inbox: Inbox;
  deadLetters: DeadLetters;
  relay?: OutboxRelay;
}

/** The modules this process runs; filled as each module's persistence starts. */
@Injectable()
export class ModuleRegistry {
  private readonly modules = new Map<string, ModuleMessaging>();

  register(module: ModuleMessaging): void {
    this.modules.set(module.name, module);
  }

  get(name: string): ModuleMessaging {
    const module = this.modules.get(name);
    if (!module) throw new Error(`module "${name}" does not run in this process`);
    return module;
  }

  has(name: string): boolean {
    return this.modules.has(name);
  }

  all(): ModuleMessaging[] {
    return [...this.modules.values()];
  }
}
