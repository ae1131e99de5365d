import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Runs the built CLI (`node dist/bundle/onboard.js`, what `npm start` runs) as a real process, as an operator would. */
const cliPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/bundle/onboard.js');

export type CliEnv = Record<string, string>;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

/** The environment of a CLI process: only what is given, so the caller's own settings never leak in. */
function processEnv(env: CliEnv): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, ...env };
}

/** The settings every command needs: a database and a key file in a temp dir, any free port. */
export function cliEnv(dir: string, databaseUrl: string, extra: CliEnv = {}): CliEnv {
  return { DATABASE_URL: databaseUrl, ONBOARD_KEY_FILE: path.join(dir, 'onboard.keys'), PORT: '0', ...extra };
}

/** Resolves once the process has ended and all it printed has been read ('close', not 'exit'). */
function exited(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

/** Runs one command to completion (`onboard keys create ...`), with what it printed. */
export async function runCli(args: string[], env: CliEnv, timeoutMs = 20_000): Promise<CliResult> {
  const child = spawn(process.execPath, [cliPath, ...args], { env: processEnv(env), stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = await exited(child);
  clearTimeout(timer);
  return { ...exit, stdout, stderr };
}

/** A running `onboard serve`. */
export interface ServeProcess {
  /** Where it listens, from its "listening" log line. */
  url: string;
  pid: number;
  /** All it has printed so far. */
  stdout(): string;
  stderr(): string;
  /** The API key and program id of a first start, printed on stderr; null if it printed none by then. */
  firstRun(timeoutMs?: number): Promise<{ apiKey: string; programId: string } | null>;
  /** Resolves when the process ends by itself. */
  exited(): Promise<Exit>;
  /** Sends a signal (SIGTERM by default) and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Starts `onboard serve` (of `cli`, a copy of the bin, if given) and waits until it logs that it is listening. */
export async function startServe(env: CliEnv, timeoutMs = 20_000, cli = cliPath): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cli, 'serve'], { env: processEnv(env), stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  const changes = new Set<() => void>();
  const changed = () => {
    for (const listener of changes) listener();
  };
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    changed();
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    changed();
  });
  const exit = exited(child);

  /** Resolves with `find`'s answer once it has one, or with null on timeout or exit. */
  const waitFor = <T>(find: () => T | null, ms: number): Promise<T | null> =>
    new Promise((resolve) => {
      const finish = (value: T | null) => {
        changes.delete(check);
        clearTimeout(timer);
        resolve(value);
      };
      const check = () => {
        const found = find();
        if (found !== null) finish(found);
      };
      const timer = setTimeout(() => finish(find()), ms);
      changes.add(check);
      exit.then(() => finish(find()));
      check();
    });

  const url = await waitFor(() => {
    // Only whole lines: the last piece may still be arriving.
    for (const line of stdout.split('\n').slice(0, -1)) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'listening' && entry.url) return entry.url;
    }
    return null;
  }, timeoutMs);
  if (!url) {
    child.kill('SIGKILL');
    const { code, signal } = await exit;
    throw new Error(`onboard serve did not start (exit ${code ?? signal}):\n${stdout}\n${stderr}`);
  }

  return {
    url,
    pid: child.pid as number,
    stdout: () => stdout,
    stderr: () => stderr,
    firstRun: (ms = 2_000) =>
      waitFor(() => {
        const apiKey = /API key:\s+(onboard_sandbox_\w+)/.exec(stderr)?.[1];
        const programId = /Program id:\s+(program_\w+)/.exec(stderr)?.[1];
        // The curl line comes last: wait for it so the whole message has arrived.
        return apiKey && programId && stderr.includes('curl ') ? { apiKey, programId } : null;
      }, ms),
    exited: () => exit,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
}
