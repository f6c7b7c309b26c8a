import { DispatchOutcome } from './dispatch-outcome';
import { ConsumerSlots } from './consumer-slots';

/** After a group that could not commit together, this durable's deliveries run alone for this long. */
export const ALONE_AFTER_FAILED_GROUP_MS = 1_000;

interface Waiting<T> {
  item: T;
  resolve: (outcome: DispatchOutcome) => void;
  reject: (error: unknown) => void;
}

/** Runs a group in one slot; `fellBack` when it could not commit together (each then ran alone). */
export type RunGroup<T> = (items: T[]) => Promise<{ outcomes: DispatchOutcome[]; fellBack: boolean }>;

/**
 * The deliveries of one durable waiting for a slot of their module: when one is granted, it runs
 * every delivery that arrived in the same read or queued meanwhile (up to `max`) in one
 * transaction. Under load each event then costs a share of one BEGIN/COMMIT and its round trips
 * instead of a whole one; with slots to spare (low load) a group is one delivery, run as before.
 * At most one slot request waits per durable, so its groups grow while the module is busy and
 * other durables of the module keep their turn.
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
    private readonly runGroup: RunGroup<T>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves with the delivery's outcome once its group has run. */
  submit(item: T): Promise<DispatchOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      // The rest of this read's messages join before the slot is asked for.
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.ask();
      });
    });
  }

  private ask(): void {
    if (this.asking || this.waiting.length === 0) return;
    this.asking = true;
    void this.slots.run(this.module, async () => {
      this.asking = false;
      const size = this.now() < this.aloneUntil ? 1 : this.max;
      const group = this.waiting.splice(0, size);
      // More than one group's worth waits: the next one asks for its slot now.
      this.ask();
      if (group.length === 0) return;
      try {
        const { outcomes, fellBack } = await this.runGroup(group.map((w) => w.item));
        if (fellBack) this.aloneUntil = this.now() + ALONE_AFTER_FAILED_GROUP_MS;
        group.forEach((w, i) => w.resolve(outcomes[i]));
      } catch (error) {
        group.forEach((w) => w.reject(error));
      }
    });
  }
}
