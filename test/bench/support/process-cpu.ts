import { readFileSync } from 'node:fs';

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
