/**
 * Why a subject cannot be published to, or undefined when it can. nats.js checks only that a
 * subject is not empty and writes it into the protocol line as is: a space or tab there makes
 * the server drop the whole connection (every PubAck in flight with it, again at each retry),
 * and a wildcard is not a literal subject. So the publisher refuses such a row itself.
 */
export function publishSubjectProblem(subject: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(subject)) return `the subject ${JSON.stringify(subject)} holds whitespace or a control character`;
  const tokens = subject.split('.');
  if (tokens.some((token) => token === '')) return `the subject ${JSON.stringify(subject)} has an empty token`;
  if (/[*>]/.test(subject)) return `the subject ${JSON.stringify(subject)} holds a wildcard`;
  return undefined;
}
