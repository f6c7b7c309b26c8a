import { Logger } from '@nestjs/common';
import { DependencyWarnings } from './dependency-warnings';

describe('DependencyWarnings', () => {
  const setUp = () => {
    let now = 0;
    const logger = { warn: jest.fn(), log: jest.fn() } as unknown as Logger & { warn: jest.Mock; log: jest.Mock };
    const warnings = new DependencyWarnings(logger, 60_000, () => now);
    return { warnings, logger, advance: (ms: number) => (now += ms) };
  };

  it('given a probe every second for two minutes while down, warns three times with the error text', () => {
    const { warnings, logger, advance } = setUp();
    for (let s = 0; s <= 120; s++, advance(1_000)) warnings.down('database:orders', new Error('connect ECONNREFUSED 10.0.0.5:5432'));
    expect(logger.warn).toHaveBeenCalledTimes(3);
    expect(logger.warn).toHaveBeenCalledWith('database:orders is down: connect ECONNREFUSED 10.0.0.5:5432');
  });

  it('given a recovery, says so once and warns at once on the next failure', () => {
    const { warnings, logger } = setUp();
    warnings.down('nats', new Error('not connected'));
    warnings.up('nats');
    warnings.up('nats');
    warnings.down('nats', new Error('not connected'));
    expect(logger.log).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });

  it('keeps each dependency to its own interval', () => {
    const { warnings, logger } = setUp();
    warnings.down('database:orders', 'x');
    warnings.down('database:payments', 'y');
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });
});
