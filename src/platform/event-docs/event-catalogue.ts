import { EventAddresses } from './asyncapi-document';
import { EventEntry } from './event-map';

export const CATALOGUE_START = '<!-- event-catalogue:start -->';
export const CATALOGUE_END = '<!-- event-catalogue:end -->';

/** The README's event table: one row per event type, as the registry and the listeners say. */
export function catalogueTable(entries: readonly EventEntry[], addresses: Pick<EventAddresses, 'stream'>): string {
  const rows = entries.map((e) =>
    [
      `\`${e.type}\``,
      e.versions.map((c) => `v${c.version}`).join(', '),
      `${e.producer} (\`${addresses.stream(e.producer)}\`)`,
      e.consumers.join(', ') || '–',
      e.description,
    ].map(cell).join(' | '),
  );
  return ['| Event | Versions | Producer (stream) | Consumers | What happened |', '|---|---|---|---|---|', ...rows.map((r) => `| ${r} |`)].join('\n');
}

/** The text with the table between the markers replaced; markers missing or out of order is an error. */
export function withCatalogue(text: string, table: string): string {
  const start = text.indexOf(CATALOGUE_START);
  const end = text.indexOf(CATALOGUE_END);
  if (start < 0 || end < start) throw new Error(`the markers ${CATALOGUE_START} … ${CATALOGUE_END} are missing or out of order`);
  // One table: a second copy would never be checked, and would rot.
  if (text.indexOf(CATALOGUE_START, start + 1) >= 0 || text.indexOf(CATALOGUE_END, end + 1) >= 0) {
    throw new Error(`the markers ${CATALOGUE_START} … ${CATALOGUE_END} appear more than once: keep one table`);
  }
  return `${text.slice(0, start + CATALOGUE_START.length)}\n${table}\n${text.slice(end)}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
