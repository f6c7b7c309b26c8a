import { sleep } from './chaos-random';
import { ChaosTopology } from './chaos-topology';
import { OwnNats } from '../support/own-nats';
import { OwnPostgres } from './own-postgres';

export const FAULT_KINDS = ['kill-app', 'pause-nats', 'kill-nats', 'restart-postgres'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface InjectedFault {
  kind: FaultKind;
  target: string;
  /** When it was injected, ms after the load started. */
  atMs: number;
  /** How long the faulted part was away (killed → healthy again, paused → resumed). */
  outageMs: number;
  /** Injected to end-to-end service again: a canary order placed at the fault is final. */
  recoveryMs?: number;
  error?: string;
}

export interface FaultTargets {
  topology: ChaosTopology;
  nats: OwnNats;
  postgres: OwnPostgres;
  pauseMs: number;
  random: () => number;
}

/** kill -9 of an app process every other slot, the broker and database faults in between. */
export function rotation(kinds: readonly FaultKind[]): FaultKind[] {
  const others = kinds.filter((k) => k !== 'kill-app');
  if (!kinds.includes('kill-app')) return others;
  return others.length === 0 ? ['kill-app'] : others.flatMap((k) => ['kill-app', k] as FaultKind[]);
}

/** Injects one fault and brings the part back; resolves when it is back. */
export async function inject(kind: FaultKind, t: FaultTargets): Promise<{ target: string; outageMs: number }> {
  const started = Date.now();
  switch (kind) {
    case 'kill-app': {
      const victim = t.topology.processes[Math.floor(t.random() * t.topology.processes.length)];
      t.topology.faulting.add(victim);
      try {
        await victim.kill();
        await victim.start();
      } finally {
        t.topology.faulting.delete(victim);
      }
      return { target: victim.name, outageMs: Date.now() - started };
    }
    case 'pause-nats':
      try {
        await t.nats.pause();
        await sleep(t.pauseMs);
      } finally {
        t.nats.resume();
      }
      return { target: `nats-server (SIGSTOP ${t.pauseMs} ms)`, outageMs: Date.now() - started };
    case 'kill-nats':
      await t.nats.kill();
      await sleep(1_000);
      await t.nats.start();
      return { target: 'nats-server (kill -9, same store)', outageMs: Date.now() - started };
    case 'restart-postgres':
      await t.postgres.restartImmediate();
      return { target: 'postgres (pg_ctl restart -m immediate)', outageMs: Date.now() - started };
  }
}
