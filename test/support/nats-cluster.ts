import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/** The part of the monitoring endpoint's `/jsz` answer used here. */
interface Jsz {
  meta_cluster?: { leader?: string; cluster_size?: number };
}

interface Node {
  name: string;
  port: number;
  clusterPort: number;
  monitorPort: number;
  dir: string;
  process?: ChildProcess;
}

/**
 * A JetStream cluster of the suite's own on loopback ports: one `nats-server` process per node,
 * each on its own store, so a node can be killed and restarted on its data.
 */
export class NatsCluster {
  readonly root = mkdtempSync(join(tmpdir(), 'nats-cluster-'));
  private nodes: Node[] = [];

  constructor(
    readonly size = 3,
    readonly clusterName = 'shop_test',
  ) {}

  /** The client URLs, as `NATS_URL` takes them (a comma list). */
  get urls(): string {
    return this.nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(',');
  }

  urlOf(name: string): string {
    return `nats://127.0.0.1:${this.node(name).port}`;
  }

  get names(): string[] {
    return this.nodes.map((n) => n.name);
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.size; i++) {
      const name = `n${i + 1}`;
      const dir = join(this.root, name);
      mkdirSync(dir);
      this.nodes.push({ name, dir, port: await freePort(), clusterPort: await freePort(), monitorPort: await freePort() });
    }
    for (const node of this.nodes) this.spawn(node);
    await this.metaLeader();
  }

  /** Waits until every running node agrees on one JetStream meta leader; returns its name. */
  async metaLeader(timeoutMs = 30_000): Promise<string> {
    const leader = await waitFor(
      'a JetStream meta leader every running node agrees on',
      async () => {
        const leaders = await Promise.all(this.running().map((n) => this.jsz(n).then((j) => j?.meta_cluster?.leader)));
        return leaders.length > 0 && leaders.every((l) => l && l === leaders[0]) ? leaders[0] : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
    return leader as string;
  }

  /** kill -9: no goodbye to the cluster, whatever was not fsynced on this node is gone. */
  async kill(name: string): Promise<void> {
    const proc = this.node(name).process;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  }

  /** Starts a stopped node again on its own store. */
  async restart(name: string): Promise<void> {
    this.spawn(this.node(name));
    await waitFor(`${name} to serve JetStream again`, async () => (await this.jsz(this.node(name)))?.meta_cluster?.leader, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  }

  async destroy(): Promise<void> {
    for (const node of this.nodes) await this.kill(node.name);
    rmSync(this.root, { recursive: true, force: true });
  }

  private spawn(node: Node): void {
    const routes = this.nodes.filter((n) => n !== node).map((n) => `nats://127.0.0.1:${n.clusterPort}`);
    const log = openSync(join(this.root, `${node.name}.log`), 'a');
    node.process = spawn(
      NATS_SERVER,
      [
        '-a', '127.0.0.1', '-p', String(node.port), '-m', String(node.monitorPort),
        '-n', node.name, '-js', '-sd', node.dir,
        '--cluster_name', this.clusterName, '--cluster', `nats://127.0.0.1:${node.clusterPort}`, '--routes', routes.join(','),
      ],
      { stdio: ['ignore', log, log] },
    );
  }

  private running(): Node[] {
    return this.nodes.filter((n) => n.process && n.process.exitCode === null && n.process.signalCode === null);
  }

  private node(name: string): Node {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name} in the cluster (${this.names.join(', ')})`);
    return node;
  }

  /** The monitoring endpoint's JetStream view of one node; undefined while it does not answer. */
  private async jsz(node: Node): Promise<Jsz | undefined> {
    try {
      const response = await fetch(`http://127.0.0.1:${node.monitorPort}/jsz`, { signal: AbortSignal.timeout(1_000) });
      return response.ok ? ((await response.json()) as Jsz) : undefined;
    } catch {
      return undefined;
    }
  }
}
