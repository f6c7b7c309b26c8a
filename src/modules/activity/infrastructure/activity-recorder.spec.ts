import { EventTaps, TappedEvent } from '../../../platform/messaging/taps/event-taps';
import { ActivityEvent } from '../domain/activity-event';
import { LiveFeed } from '../http/live-feed';
import { ActivityRecorder } from './activity-recorder';
import { ActivityRepository } from './activity.repository';

const wire = (id: string): TappedEvent => ({ raw: JSON.stringify({ id, type: 'orders.X' }), type: 'orders.X' });

/** A stand-in for Postgres that refuses some ids, or everything (the database away). */
function recorderRefusing(refuse: (id: string) => boolean) {
  const taps = new EventTaps();
  const stored: string[] = [];
  const repository = {
    recordEvents: async (events: ActivityEvent[]) => {
      if (events.some((e) => refuse(e.id))) throw new Error('refused');
      stored.push(...events.map((e) => e.id));
      return new Set(events.map((e) => e.id));
    },
  } as unknown as ActivityRepository;
  const feed = { event: () => undefined, delivery: () => undefined } as unknown as LiveFeed;
  new ActivityRecorder(taps, repository, feed).onModuleInit();
  return { record: (events: TappedEvent[]) => taps.streamTaps()[0].record(events), stored };
}

describe('ActivityRecorder', () => {
  it('given a batch with one row the database refuses, when recorded, then the others are kept and the batch is done', async () => {
    const { record, stored } = recorderRefusing((id) => id === 'bad');
    await expect(record([wire('a'), wire('bad'), wire('b')])).resolves.toBeUndefined();
    expect(stored).toEqual(['a', 'b']);
  });

  it('given the database refusing everything, when recorded, then the batch fails (it comes again later)', async () => {
    const { record } = recorderRefusing(() => true);
    await expect(record([wire('a'), wire('b')])).rejects.toThrow('refused');
    await expect(record([wire('c')])).rejects.toThrow('refused');
  });
});
