import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { TimelineNotFoundError } from '../domain/activity.errors';
import { buildTimeline, TimelineEntry } from '../domain/timeline';
import { ActivityRepository } from '../infrastructure/activity.repository';

/** GET /orders/:id/timeline: served by the activity module, from the events it read, nothing else. */
@ApiTags('activity')
@Controller('orders')
export class TimelineHttpController {
  constructor(private readonly activity: ActivityRepository) {}

  @Get(':id/timeline')
  @ApiOkResponse({ description: "`{ orderId, events: [...] }`: the order's events across modules in causal order" })
  @ApiNotFoundResponse({ description: 'no event of this order was seen' })
  async timeline(@Param('id', new ParseUUIDPipe()) id: string): Promise<{ orderId: string; events: TimelineEntry[] }> {
    const { events, deliveries } = await this.activity.correlated(id);
    if (events.length === 0) throw new TimelineNotFoundError(id);
    return { orderId: id, events: buildTimeline(events, deliveries) };
  }
}
