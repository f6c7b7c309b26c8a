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

/** The CPU time (ms) of the children a process has reaped (cutime + cstime, fields 16 and 17). */
function reapedChildrenCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU time (ms) every Postgres process on this machine has used so far (backends, WAL writer,
 * checkpointer...), those that ended included (the postmaster's reaped children: a pool closing
 * idle connections mid-step made the live processes' sum fall, and a step's figure negative):
 * the database's share of an order, while the bench is the only client.
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
      total += ms + reapedChildrenCpuMs(Number(pid));
      found = true;
    }
  }
  return found ? total : undefined;
}
