import { Logger } from '@nestjs/common';
import { withProcessSpan } from '../observability/tracing/messaging-spans';
import { messageContext } from './message-context';
import { errorText, PreparedDelivery } from './prepared-delivery';

/**
 * A group waits at most this long on a row lock, then each of its deliveries runs alone: a group
 * locks the rows of several events in turn, so two groups (or a group and a single delivery) may
 * wait on each other, and Postgres would only see the deadlock after deadlock_timeout (1 s).
 */
export const GROUP_LOCK_TIMEOUT_MS = 50;

/** One delivery of a group: `enter` runs its work in its transport's context (the publish span). */
export interface Delivery {
  raw: string;
  delivery: number;
  enter: <T>(work: () => Promise<T>) => Promise<T>;
}

/**
 * The grouped deliveries' inbox rows and handlers in one transaction of their module, each under
 * its own message context and span; false when anything failed (a handler, a lock waited on past
 * GROUP_LOCK_TIMEOUT_MS, a repeat's inbox row): nothing of it committed.
 */
export async function inOneTransaction(consumer: string, group: [Delivery, PreparedDelivery][], logger: Logger): Promise<boolean> {
  const module = group[0][1].module;
  if (module.transactions.current()?.open) return false;
  const last = group[group.length - 1][0];
  // Each member's span ends with the group: as failed if the group's transaction rolls back.
  let settle!: (failure?: unknown) => void;
  const settled = new Promise<unknown>((resolve) => (settle = resolve));
  let failure: Error | undefined;
  try {
    await module.transactions.run(async (tx) => {
      tx.lead(`SET LOCAL lock_timeout = ${GROUP_LOCK_TIMEOUT_MS}`);
      for (const [item, { event, runs, traced, context }] of group) {
        // With its writes queued for the COMMIT: a repeat fails them by the primary key, and each then runs alone.
        if (!module.inbox.recordAtCommit(tx, consumer, event)) throw new Error('the inbox row cannot travel with the COMMIT');
        const work = () => messageContext.run(context, async () => {
          for (const [handler, view] of runs) await handler.handle(view);
        });
        await item.enter(() => withProcessSpan(traced, (span) => (span.setAttribute('shop.delivery.group_size', group.length), work()), settled));
        // Its writes queued for the COMMIT go now: the next event's handlers may read them.
        if (item !== last) await tx.flushTail();
      }
    });
    return true;
  } catch (error) {
    const text = errorText(error);
    failure = new Error(`rolled back with its group (each delivery then ran alone): ${text}`);
    logger.debug(`${group.length} grouped deliveries to ${consumer} run alone: ${text}`);
    return false;
  } finally {
    // Whatever happened, no span is left open.
    settle(failure);
  }
}
