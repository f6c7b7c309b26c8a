import { Type } from '@nestjs/common';
import { EventContract } from '../../contracts/event-contract';
import { asyncApiDocument, AsyncApiDocument, EventAddresses } from './asyncapi-document';
import { asyncApiPage } from './asyncapi-page';
import { eventMap } from './event-map';
import { listenerBindings } from './listener-bindings';

export const EVENT_DOCS = Symbol('EVENT_DOCS');

/** Built once at boot: the registry and the listeners do not change while the process runs. */
export interface EventDocs {
  document: AsyncApiDocument;
  page: string;
}

export function buildEventDocs(contracts: readonly EventContract[], modules: readonly Type[], addresses: EventAddresses): EventDocs {
  const document = asyncApiDocument(eventMap(contracts, listenerBindings(modules)), addresses);
  return { document, page: asyncApiPage(document) };
}
