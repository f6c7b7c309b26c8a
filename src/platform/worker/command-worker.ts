import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { CommandBus, ICommand } from '@nestjs/cqrs';
import { BACKGROUND_WORK } from './background-work';
import { PollingWorker } from './polling-worker';

/**
 * A module's background loop as a provider: runs `command` (which answers how much it did) from
 * boot until shutdown, before any pool closes; `wake` after a local commit skips the wait.
 */
export abstract class CommandWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly worker: PollingWorker;
  protected readonly logger: Logger;
  private readonly claimedRuns = new Set<Promise<unknown>>();
  @Optional() @Inject(BACKGROUND_WORK) private readonly backgroundWork?: boolean;

  protected constructor(
    private readonly commands: CommandBus,
    name: string,
    /** A round: answers how many it handled, of at most `limit`. */
    command: () => ICommand & { limit: number },
    poll: { minMs?: number; maxMs?: number; lanes?: number } = {},
  ) {
    this.logger = new Logger(name);
    this.worker = new PollingWorker({
      name,
      round: async () => {
        const round = command();
        const handled = (await commands.execute(round)) as number;
        return { handled, full: handled >= round.limit };
      },
      pollMinMs: poll.minMs ?? 50,
      pollMaxMs: poll.maxMs ?? 1_000,
      lanes: poll.lanes,
    });
  }

  wake(): void {
    this.worker.wake();
  }

  /**
   * Runs work that the committing transaction already claimed (its rows carry a claim lease), at
   * once and beside the polling rounds: no claim statement, no wake-up wait. If this process
   * dies first, the lease runs out and any worker takes the rows. Shutdown waits for these runs.
   */
  runNow(command: ICommand): void {
    this.track(
      this.commands.execute(command).catch((error: Error) => this.logger.warn(`claimed work failed (${error.message}); its claim runs out and a round takes it`)),
    );
  }

  /** Work on claimed rows, outside the rounds, that shutdown waits for before any pool closes. */
  protected track(work: Promise<unknown>): void {
    const run: Promise<unknown> = work.finally(() => this.claimedRuns.delete(run));
    this.claimedRuns.add(run);
  }

  onApplicationBootstrap(): void {
    if (this.backgroundWork === false) return;
    this.worker.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.stop();
    while (this.claimedRuns.size > 0) await Promise.all([...this.claimedRuns]);
  }
}
