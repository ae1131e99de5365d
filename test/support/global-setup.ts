import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { backend } from './backend.js';

/**
 * Prints which backend the run proves, and gives the run one temporary folder (inherited by the
 * test workers through the environment) that is removed when it ends: a run makes hundreds of
 * databases and key files.
 */
export default function setup(): () => void {
  process.stdout.write(`\nOnboard test suite: backend = ${backend}\n\n`);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onboard-test-run-'));
  process.env.ONBOARD_TEST_TMPDIR = runDir;
  return () => fs.rmSync(runDir, { recursive: true, force: true });
}
