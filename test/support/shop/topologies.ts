import { InProcessShop } from './in-process-shop';
import { ProcessShop } from './process-shop';
import { Shop } from './shop';

/** The topologies a saga suite runs against: they must be interchangeable. */
export const TOPOLOGIES: [string, (name: string) => Shop][] = [
  ['monolith', (name) => new InProcessShop(name)],
  ['services', (name) => new ProcessShop(`${name}_svc`)],
];
