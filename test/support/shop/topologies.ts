import { InProcessShop } from './in-process-shop';
import { ProcessShop } from './process-shop';
import { NATS_AVAILABLE } from '../requires-nats';
import { Shop } from './shop';

/** The topologies a saga suite runs against: they must be interchangeable. */
const ALL: [string, (name: string) => Shop, 'jetstream' | 'in-process'][] = [
  ['monolith over JetStream', (name) => new InProcessShop(name), 'jetstream'],
  ['monolith in-process (no broker)', (name) => new InProcessShop(`${name}_ip`, { NATS_URL: '' }), 'in-process'],
  ['services', (name) => new ProcessShop(`${name}_svc`), 'jetstream'],
];

/** Without a NATS server (a machine with only Node), only the in-process topology runs. */
export const TOPOLOGIES: [string, (name: string) => Shop][] = ALL.filter(([, , t]) => NATS_AVAILABLE || t === 'in-process').map(
  ([name, make]) => [name, make],
);
