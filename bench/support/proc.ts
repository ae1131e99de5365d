/** What /proc (Linux) tells of a server's process tree: its resident memory and its CPU time. */
import fs from 'node:fs';

/** One process's /proc/<pid>/stat: its command name, and the fields after it (stat(5) from field 3). */
interface ProcessStat {
  pid: number;
  command: string;
  fields: string[];
}

function parseStat(pid: number, stat: string): ProcessStat {
  // The command name may hold spaces and parentheses: fields are read after the last ')'.
  const end = stat.lastIndexOf(')');
  return { pid, command: stat.slice(stat.indexOf('(') + 1, end), fields: stat.slice(end + 2).split(' ') };
}

/** Every process's stat (Linux). */
function allStats(): ProcessStat[] {
  const stats: ProcessStat[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      stats.push(parseStat(Number(entry), fs.readFileSync(`/proc/${entry}/stat`, 'utf8')));
    } catch {
      // The process ended while we looked.
    }
  }
  return stats;
}

/** The parent of each process. */
function parents(): Map<number, number> {
  return new Map(allStats().map((stat) => [stat.pid, Number(stat.fields[1])]));
}

/** The process and all its descendants (a wrapper's server child counts as the server). */
export function tree(pid: number): number[] {
  const parentOf = parents();
  const found = [pid];
  for (let i = 0; i < found.length; i++) {
    for (const [child, parent] of parentOf) if (parent === found[i]) found.push(child);
  }
  return found;
}

function vmRssKb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Linux reports CPU time in clock ticks of 1/100 s (USER_HZ, the same on every architecture Node.js runs on). */
const ticksPerSecond = 100;

/** utime and stime, fields 14 and 15 of stat(5): every thread of the process, in ticks. */
const ticksOf = ({ fields }: ProcessStat) => Number(fields[11]) + Number(fields[12]);

function cpuTicks(pid: number): number {
  try {
    return ticksOf(parseStat(pid, fs.readFileSync(`/proc/${pid}/stat`, 'utf8')));
  } catch {
    return 0;
  }
}

/**
 * CPU time used so far by every PostgreSQL process on this machine (its backends, which come and
 * go with their connections, and its background processes), in seconds; 0 when PostgreSQL runs
 * elsewhere. A backend that ends between two readings takes its time with it.
 */
export function postgresCpuSeconds(): number {
  const postgres = allStats().filter((stat) => stat.command === 'postgres');
  return postgres.reduce((sum, stat) => sum + ticksOf(stat), 0) / ticksPerSecond;
}

/** CPU time used so far by a process and its descendants, in seconds (user and system). */
export function cpuSeconds(pid: number): number {
  return tree(pid).reduce((sum, p) => sum + cpuTicks(p), 0) / ticksPerSecond;
}

/** Resident memory of a process and its descendants, in MB (VmRSS, 1 MB = 1024 kB). */
export function residentMb(pid: number): number {
  return tree(pid).reduce((sum, p) => sum + vmRssKb(p), 0) / 1024;
}

/** Samples a process tree's resident memory every `intervalMs` until stopped. */
export class RssSampler {
  private readonly samples: number[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): { peakMb: number; meanMb: number } {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const peakMb = Math.max(...this.samples);
    const meanMb = this.samples.reduce((a, b) => a + b, 0) / this.samples.length;
    return { peakMb, meanMb };
  }

  private sample(): void {
    this.samples.push(residentMb(this.pid));
  }
}
