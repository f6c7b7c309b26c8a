import { Module } from '@nestjs/common';
import { ModuleDatabaseModule } from '../../platform/database/module-database.module';
import { FlowHttpController } from './http/flow.http.controller';
import { LiveFeed } from './http/live-feed';
import { TimelineHttpController } from './http/timeline.http.controller';
import { ActivityInit1700000000020 } from './infrastructure/activity-init.migration';
import { ActivityPruner } from './infrastructure/activity-pruner';
import { ActivityRecordedIndex1700000000022 } from './infrastructure/activity-recorded-index.migration';
import { ActivityRecorder } from './infrastructure/activity-recorder';
import { ActivityRepository } from './infrastructure/activity.repository';
import { FlowFigures } from './infrastructure/flow-figures';

/**
 * Watches the others without any of them knowing: reads every stream from its beginning (a
 * platform stream tap), keeps each event's headers per correlation, serves an order's timeline
 * and the live /flow page. No listener, no event of its own.
 */
@Module({
  imports: [ModuleDatabaseModule.forModule({ name: 'activity', entities: [], migrations: [ActivityInit1700000000020, ActivityRecordedIndex1700000000022], maxPoolSize: 4 })],
  controllers: [TimelineHttpController, FlowHttpController],
  providers: [ActivityRepository, ActivityRecorder, ActivityPruner, LiveFeed, FlowFigures],
})
export class ActivityModule {}
