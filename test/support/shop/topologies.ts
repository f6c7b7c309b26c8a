import { InProcessShop } from './in-process-shop';
import { ProcessShop } from './process-shop';
import { Shop } from './shop';

/** The topologies a saga suite runs against: they must be interchangeable. */
export const TOPOLOGIES: [string, (name: string) => Shop][] = [
  ['monolith over JetStream', (name) => new InProcessShop(name)],
  ['monolith in-process (no broker)', (name) => new InProcessShop(`${name}_ip`, { NATS_URL: '' })],
  ['services', (name) => new ProcessShop(`${name}_svc`)],
];
