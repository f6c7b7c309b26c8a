import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ModuleRegistry } from '../messaging/module-registry';
import { watchedModules } from './messaging-metrics';

/** Lets the backlog gauge see this application's modules while it runs. */
@Injectable()
export class MessagingMetrics implements OnModuleInit, OnApplicationShutdown {
  constructor(private readonly modules: ModuleRegistry) {}

  onModuleInit(): void {
    watchedModules.add(this.modules);
  }

  onApplicationShutdown(): void {
    watchedModules.delete(this.modules);
  }
}
