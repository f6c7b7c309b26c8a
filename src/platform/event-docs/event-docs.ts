import { Type } from '@nestjs/common';
import { EventContract } from '../../contracts/event-contract';
import { asyncApiDocument, AsyncApiDocument, EventAddresses } from './asyncapi-document';
import { asyncApiPage } from './asyncapi-page';
import { EventEntry, eventMap } from './event-map';
import { listenerBindings } from './listener-bindings';

export const EVENT_DOCS = Symbol('EVENT_DOCS');

/** Built once at boot: the registry and the listeners do not change while the process runs. */
export interface EventDocs {
  document: AsyncApiDocument;
  page: string;
  /** Who writes and who reads each type: also what the flow page draws. */
  map: EventEntry[];
}

export function buildEventDocs(contracts: readonly EventContract[], modules: readonly Type[], addresses: EventAddresses): EventDocs {
  const map = eventMap(contracts, listenerBindings(modules));
  const document = asyncApiDocument(map, addresses);
  return { document, page: asyncApiPage(document), map };
}
