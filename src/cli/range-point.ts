import { UsageError } from './cli-output';

/** Where a range starts or ends: a stream sequence, or a moment. */
export type RangePoint = { seq: number } | { time: Date };

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since`/`--until`: a stream sequence (`1042`), an ISO-8601 moment (`2026-12-02T06:00:00Z`)
 * or an age (`90s`, `15m`, `2h`, `7d` ago). Anything else is a usage error.
 */
export function parseRangePoint(text: string, option: string, now = new Date()): RangePoint {
  const value = text.trim();
  if (/^[0-9]+$/.test(value)) {
    const seq = Number(value);
    if (seq >= 1 && Number.isSafeInteger(seq)) return { seq };
  }
  const relative = /^([0-9]+)([smhd])$/.exec(value);
  // An age past what a Date holds (99999999999d) is a mistake, not "Invalid time value" later.
  const ago = relative ? new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2]]) : undefined;
  if (ago && !Number.isNaN(ago.getTime())) return { time: ago };
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return { time: new Date(value) };
  throw new UsageError(`${option} ${JSON.stringify(text)}: expected a stream sequence (1042), an ISO-8601 time or an age (90s, 15m, 2h, 7d)`);
}

/** A range point that must be a moment (dead letters have no stream sequence). */
export function parseMoment(text: string, option: string, now = new Date()): Date {
  const point = parseRangePoint(text, option, now);
  if ('time' in point) return point.time;
  throw new UsageError(`${option} ${JSON.stringify(text)}: expected an ISO-8601 time or an age (90s, 15m, 2h, 7d)`);
}

/** `--until` before `--since` is a mistake (it would replay nothing and say so with exit 0). */
export function checkRange(since: RangePoint, until: RangePoint | undefined): void {
  if (!until) return;
  const before = 'seq' in since && 'seq' in until ? until.seq < since.seq : 'time' in since && 'time' in until && until.time < since.time;
  if (before) throw new UsageError('--until is before --since: the range is empty');
}
