import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from dist/bench/bench/support (compiled) or bench/support (sources). */
export const repoRoot = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();

/** The built CLI, as `npm run build` leaves it. */
export const cliPath = path.join(repoRoot, 'dist/bundle/onboard.js');

/** This compiled bench's own files (the load generator, the ceiling server). */
export const benchFile = (name: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), name);

/** Every child this run started, so that an interrupted run leaves none behind. */
const children = new Set<ChildProcess>();

export function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** A free loopback port (the kernel's choice). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The environment of a child: only what is given, so this shell's settings never leak in. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, ...env };
}

/** Runs a command to completion and returns its stdout; throws with its stderr if it fails. */
export function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(command)} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A server process this run started. */
export interface ServerProcess {
  pid: number;
  /** Where its stdout and stderr go. */
  logFile: string;
  /** Milliseconds from spawn to its first answer (see waitForAnswer). */
  firstAnswerMs: number;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface Probe {
  url: string;
  path: string;
  headers?: Record<string, string>;
  /** The status that counts as an answer. */
  status: number;
}

function probeOnce(probe: Probe): Promise<number | null> {
  return new Promise((resolve) => {
    const request = http.get(`${probe.url}${probe.path}`, { headers: probe.headers, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? null));
    });
    request.on('error', () => resolve(null));
    request.setTimeout(2_000, () => request.destroy());
  });
}

/**
 * Spawns a server and waits for its first answer of the probe's status, polling every 5 ms; the
 * time from spawn to that answer is what a client waiting on a restart sees.
 */
export async function startServer(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  probe: Probe,
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  const log = fs.openSync(logFile, 'a');
  const started = performance.now();
  const child = spawn(command, args, { env, cwd: repoRoot, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
    children.delete(child);
  });
  let firstAnswerMs: number | null = null;
  while (firstAnswerMs === null) {
    if (gone) {
      throw new Error(`${path.basename(command)} ${args.join(' ')} exited before answering:\n${tail(logFile)}`);
    }
    if (performance.now() - started > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`${path.basename(command)} did not answer within ${timeoutMs} ms:\n${tail(logFile)}`);
    }
    const status = await probeOnce(probe);
    if (status === probe.status) firstAnswerMs = performance.now() - started;
    else await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return {
    pid: child.pid as number,
    logFile,
    firstAnswerMs,
    async stop() {
      if (!gone) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The end of a log, for error messages. */
export function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Spawns the load generator for one measurement and relays its `measuring` line and result. */
export function spawnLoad(specJson: string, onMeasuring: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [benchFile('load.js'), specJson], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const before = stdout;
      stdout += chunk;
      if (!before.includes('measuring\n') && stdout.includes('measuring\n')) onMeasuring();
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('exit', (code) => {
      children.delete(child);
      const last = stdout.trimEnd().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(last);
      else reject(new Error(`the load generator failed (exit ${code}):\n${stderr}`));
    });
  });
}
