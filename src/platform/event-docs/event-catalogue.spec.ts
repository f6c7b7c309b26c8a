import { z } from 'zod';
import { defineContract } from '../../contracts/event-contract';
import { CATALOGUE_END, CATALOGUE_START, catalogueTable, withCatalogue } from './event-catalogue';
import { eventMap } from './event-map';

const entries = eventMap(
  [
    defineContract('alpha.Happened', 1, z.object({}), { description: 'It happened | twice.' }),
    defineContract('alpha.Happened', 2, z.object({})),
    defineContract('beta.Unread', 1, z.object({})),
  ],
  [{ type: 'alpha.Happened', consumer: 'gamma' }, { type: 'alpha.Happened', consumer: 'beta' }],
);
const streams = { stream: (module: string) => module.toUpperCase() };

describe('the event catalogue', () => {
  it('given the event map, then a row per type: versions, producer and its stream, consumers, description', () => {
    expect(catalogueTable(entries, streams).split('\n')).toEqual([
      '| Event | Versions | Producer (stream) | Consumers | What happened |',
      '|---|---|---|---|---|',
      '| `alpha.Happened` | v1, v2 | alpha (`ALPHA`) | beta, gamma | It happened \\| twice. |',
      '| `beta.Unread` | v1 | beta (`BETA`) | – |  |',
    ]);
  });

  it('given a README, then only the text between the markers is replaced', () => {
    const readme = `# Title\n${CATALOGUE_START}\nold table\n${CATALOGUE_END}\nafter\n`;
    expect(withCatalogue(readme, 'new table')).toBe(`# Title\n${CATALOGUE_START}\nnew table\n${CATALOGUE_END}\nafter\n`);
  });

  it('given a README without the markers, then it says which are missing', () => {
    expect(() => withCatalogue('# Title\n', 'table')).toThrow(/event-catalogue:start .* event-catalogue:end -->.* missing/);
  });
});
