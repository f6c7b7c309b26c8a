import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { EventPattern } from '@nestjs/microservices';
import { z } from 'zod';
import { defineContract } from '../../contracts/event-contract';
import { eventMap } from './event-map';
import { listenerBindings } from './listener-bindings';

const payload = z.object({ id: z.string() });
const HappenedV1 = defineContract('alpha.Happened', 1, payload, { description: 'It happened.' });
const HappenedV2 = defineContract('alpha.Happened', 2, payload);
const UnreadV1 = defineContract('beta.Unread', 1, payload, { description: 'Nobody listens.' });

@Controller()
class BetaListener {
  @EventPattern('alpha.Happened', { consumer: 'beta' })
  onHappened() {}
}

@Controller()
class GammaListener {
  @EventPattern('alpha.Happened', { consumer: 'gamma' })
  first() {}

  @EventPattern('alpha.Happened', { consumer: 'gamma' })
  second() {}

  notAListener() {}
}

@Module({ controllers: [BetaListener] })
class BetaModule {}

@Module({ controllers: [GammaListener] })
class GammaInner {}

@Module({ imports: [GammaInner] })
class GammaModule {}

describe('listenerBindings and eventMap', () => {
  it('given modules, then each @EventPattern method is a (type, consumer) pair, read from the classes alone', () => {
    expect(listenerBindings([BetaModule, GammaModule])).toEqual([
      { type: 'alpha.Happened', consumer: 'beta' },
      { type: 'alpha.Happened', consumer: 'gamma' },
    ]);
  });

  it('given contracts and listeners, then every type has its producer, versions (oldest first), consumers and description', () => {
    const map = eventMap([HappenedV2, UnreadV1, HappenedV1], listenerBindings([GammaModule, BetaModule]));
    expect(map.map((e) => ({ ...e, versions: e.versions.map((c) => c.version) }))).toEqual([
      { type: 'alpha.Happened', producer: 'alpha', versions: [1, 2], consumers: ['beta', 'gamma'], description: 'It happened.' },
      { type: 'beta.Unread', producer: 'beta', versions: [1], consumers: [], description: 'Nobody listens.' },
    ]);
  });
});
