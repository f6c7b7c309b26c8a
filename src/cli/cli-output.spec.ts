import { Logger } from '@nestjs/common';
import { CliOutput, EXIT, UsageError } from './cli-output';
import { StderrLogger } from './stderr-logger';

describe('CLI output', () => {
  const capture = () => {
    const seen = { stdout: '', stderr: '' };
    return { seen, out: new CliOutput((s) => (seen.stdout += s), (s) => (seen.stderr += s)) };
  };

  it('given a failure quoting an address or a connection string, writes neither to stderr', () => {
    const { seen, out } = capture();
    out.fail(new Error('550 5.1.1 <grace.hopper@example.com>: recipient rejected via smtp://mailer:hunter22@smtp.example.com'));
    out.note('retried for ada@example.com');
    expect(seen.stderr).not.toMatch(/grace\.hopper|ada@|hunter22/);
    expect(seen.stderr).toMatch(/^error: 550 5\.1\.1 <\[e-mail\]>: recipient rejected via smtp:\/\/mailer:\*\*\*@smtp\.example\.com\n/);
    expect(out.exitCode).toBe(EXIT.failure);
  });

  it("given a producer's text with terminal escapes, CR or a bidi override, prints them as visible escapes (JSON stays JSON)", () => {
    const { seen, out } = capture();
    const hostile = 'not json \u001b[2J\u001b]0;pwned\u0007\rok \u202egnp.exe';
    out.print(`raw        ${hostile}`);
    out.table(['RAW'], [[hostile]]);
    out.json({ raw: hostile });
    out.note(`parked ${hostile}`);
    // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
    for (const text of [seen.stdout, seen.stderr]) expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(seen.stdout).toContain('not json \\u001b[2J\\u001b]0;pwned\\u0007\\u000dok \\u202egnp.exe');
    expect(JSON.parse(seen.stdout.slice(seen.stdout.indexOf('{'))).raw).toBe(hostile);
  });

  it('given data, prints it on stdout as it is (personal data is revealed there on purpose only)', () => {
    const { seen, out } = capture();
    out.json({ to: 'grace.hopper@example.com' });
    expect(seen.stdout).toContain('grace.hopper@example.com');
    out.fail(new UsageError('--limit "x"'));
    expect(out.exitCode).toBe(EXIT.usage);
  });
});

describe('StderrLogger', () => {
  let written: string;
  beforeEach(() => {
    written = '';
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
    jest.spyOn(process.stdout, 'write').mockImplementation(() => {
      throw new Error('the CLI logs on stderr only');
    });
  });
  afterEach(() => jest.restoreAllMocks());

  it("given a module's log line with an address or a URL password, writes it scrubbed on stderr", () => {
    const logger = new StderrLogger('info');
    logger.warn('notifications failed orders.OrderPlaced: 550 <grace.hopper@example.com> rejected', 'EventDispatcher');
    logger.error('connect to postgres://shop:s3cret@db:5432/shop refused', 'at someStack (postgres://shop:s3cret@db/shop)', 'TypeOrmModule');
    expect(written).toContain('EventDispatcher');
    expect(written).not.toMatch(/grace\.hopper|s3cret/);
  });

  it('given a failed boot, leaves it to the one-line report; shows its stack at LOG_LEVEL=debug', () => {
    new StderrLogger('info').error(new Error('boom'), 'ExceptionHandler');
    expect(written).toBe('');
    const verbose = new StderrLogger('debug');
    Logger.overrideLogger(verbose);
    verbose.error(new Error('boom'), 'ExceptionHandler');
    expect(written).toContain('boom');
  });
});
