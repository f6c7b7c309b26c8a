import { resolve } from 'node:path';

/**
 * Negative controls: bugs the chaos suite must catch. Each is put into the built app by a preload
 * (`inject/known-bugs.cjs`, via NODE_OPTIONS) that patches dist/ in memory: no product change.
 */
export const KNOWN_BUGS = ['skip-inbox', 'ack-before-commit', 'mark-before-puback'] as const;
export type KnownBug = (typeof KNOWN_BUGS)[number];

export const KNOWN_BUG_MEANING: Record<KnownBug, string> = {
  'skip-inbox': 'consumers record nothing in their inbox (a redelivery runs the effect again)',
  'ack-before-commit': 'a message is acked before its transaction commits (a failure or crash after the ack loses it)',
  'mark-before-puback': 'the relay marks rows published before the broker acknowledged them (a failed publish is lost)',
};

export function injectionEnv(bug: KnownBug | undefined): Record<string, string> {
  if (!bug) return {};
  return { NODE_OPTIONS: `--require ${resolve(__dirname, 'inject/known-bugs.cjs')}`, CHAOS_INJECT: bug };
}
