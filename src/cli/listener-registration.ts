import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ListenerMetadataExplorer } from '@nestjs/microservices/listener-metadata-explorer';
import { EventDispatcher } from '../platform/messaging/event-dispatcher';
import { InProcessServer } from '../platform/messaging/in-process/in-process.server';

/**
 * Hands every `@Listens` method of the modules to the dispatcher without starting a transport:
 * the CLI retries and replays through the same handlers, contract checks and inbox as the
 * consumers, but pulls nothing from a durable consumer. (InProcessServer's `listen` does exactly
 * the registration; nothing else of it runs here.) Listener methods take the event only.
 */
@Injectable()
export class ListenerRegistration implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly dispatcher: EventDispatcher,
  ) {}

  onApplicationBootstrap(): void {
    const server = new InProcessServer(this.dispatcher);
    const explorer = new ListenerMetadataExplorer(new MetadataScanner());
    for (const { instance } of this.discovery.getControllers()) {
      if (!instance) continue;
      for (const listener of explorer.explore(instance)) {
        if (!listener.isEventHandler) continue;
        const handler = (event: unknown) => listener.targetCallback.call(instance, event);
        for (const pattern of listener.patterns) server.addHandler(pattern, handler, true, listener.extras);
      }
    }
    server.listen((error) => {
      if (error) throw error;
    });
  }
}
