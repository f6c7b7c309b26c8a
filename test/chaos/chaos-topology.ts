import { AppProcess } from '../support/shop/app-process';
import { composeServices, localEnvironment } from '../support/shop/compose-services';

/**
 * The `services` profile of docker-compose.yml as processes of the built app (the same helpers as
 * the ProcessShop), pointed at the chaos run's own Postgres and nats-server.
 */
export class ChaosTopology {
  readonly processes: AppProcess[] = [];
  /** Processes that died without a fault killing them (restarted, like compose's `restart:`). */
  readonly crashes: { name: string; atMs: number; cause: string }[] = [];
  /** Processes a fault is killing and restarting right now: not the supervisor's business. */
  readonly faulting = new Set<AppProcess>();
  private supervising?: NodeJS.Timeout;

  constructor(databases: { shop: string; shop_payments: string }, natsUrl: string, extraEnv: Record<string, string>) {
    for (const spec of composeServices('services')) {
      const env = { ...localEnvironment(spec.environment, databases, natsUrl, spec.secretFiles), ...extraEnv };
      for (let replica = 1; replica <= spec.replicas; replica++) {
        this.processes.push(new AppProcess(spec.replicas > 1 ? `${spec.name}-${replica}` : spec.name, env));
      }
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.start()));
  }

  /** The process that serves a module's HTTP routes (the first one running it). */
  serving(module: string): AppProcess {
    const found = this.processes.find((p) => (p.env.APP_MODULES ?? '').split(',').includes(module));
    if (!found) throw new Error(`no process runs ${module}`);
    return found;
  }

  /** Restarts, every half second, a process that died by itself; records its last error line. */
  supervise(since: number): void {
    const restarting = new Set<AppProcess>();
    this.supervising = setInterval(() => {
      for (const p of this.processes.filter((p) => !p.running && !this.faulting.has(p) && !restarting.has(p))) {
        const cause = p.logTail(2_000).split('\n').reverse().find((l) => /^\w*Error\b|Unhandled|FATAL/.test(l)) ?? 'exited';
        this.crashes.push({ name: p.name, atMs: Date.now() - since, cause: cause.trim().slice(0, 160) });
        restarting.add(p);
        void p.start().catch(() => undefined).finally(() => restarting.delete(p));
      }
    }, 500);
  }

  /** Restarts any process that is down (one killed by a fault, or one that died by itself). */
  async reviveAll(): Promise<string[]> {
    const dead = this.processes.filter((p) => !p.running);
    await Promise.all(dead.map((p) => p.start()));
    return dead.map((p) => p.name);
  }

  async stop(): Promise<void> {
    clearInterval(this.supervising);
    await Promise.all(this.processes.map((p) => p.stop(15_000)));
  }
}
