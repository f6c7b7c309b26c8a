import { BeforeApplicationShutdown, Inject, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { CommandBus, ICommand } from '@nestjs/cqrs';
import { BACKGROUND_WORK } from './background-work';
import { PollingWorker } from './polling-worker';

/**
 * A module's background loop as a provider: runs `command` (which answers how much it did) from
 * boot until shutdown, before any pool closes; `wake` after a local commit skips the wait.
 */
export abstract class CommandWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly worker: PollingWorker;
  @Optional() @Inject(BACKGROUND_WORK) private readonly backgroundWork?: boolean;

  protected constructor(commands: CommandBus, name: string, command: () => ICommand, poll: { minMs?: number; maxMs?: number; lanes?: number } = {}) {
    this.worker = new PollingWorker({
      name,
      round: async () => (await commands.execute(command())) as number,
      pollMinMs: poll.minMs ?? 50,
      pollMaxMs: poll.maxMs ?? 1_000,
      lanes: poll.lanes,
    });
  }

  wake(): void {
    this.worker.wake();
  }

  onApplicationBootstrap(): void {
    if (this.backgroundWork === false) return;
    this.worker.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.worker.stop();
  }
}
