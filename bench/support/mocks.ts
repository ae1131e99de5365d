import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { childEnv, freePort, type Probe, repoRoot, type ServerProcess, startServer } from './processes.js';

const require = createRequire(path.join(repoRoot, 'package.json'));

/** The mock servers people run today in place of a sandbox, each from its pinned devDependency. */
export type MockName = 'steady' | 'prism';

function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

/**
 * How to start each mock. Steady's npm package is a Node.js wrapper that spawns a compiled
 * binary; the binary is started directly, so that no wrapper process sits in front of it.
 */
function command(mock: MockName, port: number, openapi: string): { command: string; args: string[] } {
  if (mock === 'steady') {
    const platformPackage = `@stdy/cli-${process.platform}-${process.arch}`;
    let binary: string | null = null;
    try {
      binary = path.join(packageDir(platformPackage), 'bin', process.platform === 'win32' ? 'steady.exe' : 'steady');
    } catch {
      binary = null;
    }
    const args = ['--port', String(port), '--host', '127.0.0.1', openapi];
    if (binary && fs.existsSync(binary)) return { command: binary, args };
    return { command: process.execPath, args: [path.join(packageDir('@stdy/cli'), 'steady.js'), ...args] };
  }
  const prism = path.join(packageDir('@stoplight/prism-cli'), 'dist', 'index.js');
  return { command: process.execPath, args: [prism, 'mock', '-h', '127.0.0.1', '-p', String(port), openapi] };
}

export interface RunningMock {
  url: string;
  server: ServerProcess;
}

/** Starts a mock on a free port, serving the OpenAPI document, with its default settings. */
export async function startMock(
  mock: MockName,
  openapi: string,
  logFile: string,
  apiKey: string,
): Promise<RunningMock> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const probe: Probe = {
    url,
    path: '/entity_onboarding_sessions?limit=1',
    headers: { authorization: `Bearer ${apiKey}` },
    status: 200,
  };
  const { command: file, args } = command(mock, port, openapi);
  const server = await startServer(file, args, childEnv({ NO_COLOR: '1' }), logFile, probe);
  return { url, server };
}
