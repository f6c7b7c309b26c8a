import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined where there is none. */
export function cpuMsOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    // utime and stime are the 14th and 15th fields; 2 fields precede the ones kept here.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/**
 * CPU time (ms) every Postgres process on this machine has used so far (backends, WAL writer,
 * checkpointer...): the database's share of an order, while the bench is the only client.
 */
export function postgresCpuMs(): number | undefined {
  let total = 0;
  let found = false;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres')) continue;
    } catch {
      continue; // gone meanwhile
    }
    const ms = cpuMsOf(Number(pid));
    if (ms !== undefined) {
      total += ms;
      found = true;
    }
  }
  return found ? total : undefined;
}
