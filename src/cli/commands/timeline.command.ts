import { Command, Option } from 'nest-commander';
import { CliOutput, UsageError } from '../cli-output';
import { OperatorAccess } from '../operator-access';
import { JsonOption, OperatorCommand } from '../operator-command';

interface TimelineOptions extends JsonOption {
  url?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMEOUT_MS = 10_000;
/** The columns shown when an entry has them, in this order; --json shows everything. */
const COLUMNS = ['occurredAt', 'type', 'producer', 'module', 'aggregateId', 'id', 'processedBy', 'consumers', 'deadLetters'];

/**
 * An order's story from a running shop's activity module (`GET /orders/:id/timeline`): the CLI
 * asks over HTTP, so it needs no access to the activity module's store.
 */
@Command({ name: 'timeline', arguments: '<orderId>', description: "an order's events across modules in causal order, from a running shop (--url or SHOP_URL)" })
export class TimelineCommand extends OperatorCommand<TimelineOptions> {
  constructor(access: OperatorAccess, out: CliOutput) {
    super(access, out);
  }

  protected async execute([orderId]: string[], options: TimelineOptions): Promise<void> {
    if (!orderId || !UUID.test(orderId)) throw new UsageError(`expected an order id (a UUID), got ${JSON.stringify(orderId ?? '')}`);
    const base = parseUrl(options.url ?? 'http://localhost:3000');
    const url = new URL(`orders/${orderId}/timeline`, base.href.endsWith('/') ? base : `${base.href}/`);
    let answer: Response;
    try {
      answer = await fetch(url, { headers: { accept: 'application/json', authorization: this.access.bearer() }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw new Error(`no answer from ${url.origin} (${(error as Error).message}); is the shop running there? (--url or SHOP_URL)`);
    }
    const body = await answer.json().catch(() => undefined);
    if (answer.status === 404) throw new Error(`no timeline for order ${orderId} at ${url.origin} (unknown order, or no activity module there)`);
    if (!answer.ok || body === undefined) throw new Error(`${url.origin} answered ${answer.status} ${JSON.stringify(body ?? '')}`.slice(0, 500));
    if (options.json) return this.out.json(body);
    const entries = entriesOf(body);
    const columns = COLUMNS.filter((c) => entries.some((e) => e[c] !== undefined));
    this.out.table(
      columns.map((c) => c.replace(/[A-Z]/g, (l) => ` ${l}`).toUpperCase()),
      entries.map((e) => columns.map((c) => e[c])),
      `no events for order ${orderId}`,
    );
  }

  @Option({ flags: '--url <url>', description: 'the running shop (default http://localhost:3000)', env: 'SHOP_URL' })
  parseUrl(value: string): string {
    return value;
  }
}

function parseUrl(text: string): URL {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    /* below */
  }
  throw new UsageError(`--url ${JSON.stringify(text)}: expected an http(s):// URL`);
}

/** The answer is a list of entries, or an object holding one (`events`, `entries`, `timeline`). */
function entriesOf(body: unknown): Record<string, unknown>[] {
  const list = Array.isArray(body) ? body : ['events', 'entries', 'timeline'].map((k) => (body as Record<string, unknown>)?.[k]).find(Array.isArray);
  return (list ?? []).filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null);
}
