import { DispatchOutcome } from './dispatch-outcome';
import { ConsumerSlots } from './consumer-slots';

/** After a group that could not commit together, this durable's deliveries run alone for this long. */
export const ALONE_AFTER_FAILED_GROUP_MS = 1_000;

interface Waiting<T> {
  item: T;
  resolve: (outcome: DispatchOutcome) => void;
  reject: (error: unknown) => void;
}

export interface GroupRunners<T> {
  /** One delivery in its own transaction. */
  alone: (item: T) => Promise<DispatchOutcome>;
  /** Several in one transaction; undefined for each that must run alone (the group kept nothing). */
  together: (items: T[]) => Promise<(DispatchOutcome | undefined)[]>;
}

/**
 * The deliveries of one durable on their way to a slot of their module. Each one that finds a
 * free slot runs alone, as it always has; those that find none wait, and when a slot is granted
 * it runs every one waiting by then (up to `max`) in one transaction: under load each event then
 * costs a share of one BEGIN/COMMIT and one relay hand-off instead of a whole one. At most one
 * slot request waits per durable, so its group grows while the module is busy and the module's
 * other durables keep their turn. When a group fails, each of its deliveries runs alone in a slot
 * of its own, side by side (one held on a lock holds up no other), and the durable runs alone for
 * a while.
 */
export class GroupedDeliveries<T> {
  private readonly waiting: Waiting<T>[] = [];
  private asking = false;
  private scheduled = false;
  private aloneUntil = 0;

  constructor(
    private readonly slots: ConsumerSlots,
    private readonly module: string,
    private readonly max: number,
    private readonly runners: GroupRunners<T>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves with the delivery's outcome once it has run, alone or in a group. */
  submit(item: T): Promise<DispatchOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      // The rest of this read's messages arrive before any slot is asked for.
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.startFree();
      });
    });
  }

  /** As many as there are free slots start alone at once; the rest wait for one slot as a group. */
  private startFree(): void {
    if (this.asking) return;
    const free = this.slots.takeFree(this.module, this.waiting.length);
    for (const w of this.waiting.splice(0, free)) void this.runAlone(w, true);
    this.ask();
  }

  private ask(): void {
    if (this.asking || this.waiting.length === 0) return;
    this.asking = true;
    void this.slots.run(this.module, async () => {
      this.asking = false;
      const group = this.waiting.splice(0, this.now() < this.aloneUntil ? 1 : this.max);
      // More than one group's worth waits: the next one asks for its slot now.
      this.ask();
      if (group.length === 1) return this.settle(group[0], () => this.runners.alone(group[0].item));
      let outcomes: (DispatchOutcome | undefined)[];
      try {
        outcomes = await this.runners.together(group.map((w) => w.item));
      } catch (error) {
        return group.forEach((w) => w.reject(error));
      }
      group.forEach((w, i) => {
        const outcome = outcomes[i];
        if (outcome) return w.resolve(outcome);
        this.aloneUntil = this.now() + ALONE_AFTER_FAILED_GROUP_MS;
        void this.runAlone(w, false);
      });
    });
  }

  /** `holding`: the slot is taken already (a free one); else it is asked for. */
  private runAlone(w: Waiting<T>, holding: boolean): Promise<void> {
    const run = () => this.settle(w, () => this.runners.alone(w.item));
    if (!holding) return this.slots.run(this.module, run);
    return run().finally(() => this.slots.release(this.module));
  }

  private async settle(w: Waiting<T>, work: () => Promise<DispatchOutcome>): Promise<void> {
    try {
      w.resolve(await work());
    } catch (error) {
      w.reject(error);
    }
  }
}
