import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRegistry } from '../messaging/module-registry';

/**
 * Stops every relay (last batch finished, what the last requests committed published) right
 * after HTTP and the listeners have closed and before any module closes its own resources.
 * Nest calls shutdown hooks from the root module outwards, so this belongs to the root module.
 */
@Injectable()
export class RelaysShutdown implements OnApplicationShutdown {
  constructor(private readonly modules: ModuleRegistry) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.modules.all().map((m) => m.relay?.stop()));
  }
}
