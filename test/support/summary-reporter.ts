import type { Reporter } from 'vitest/reporters';

type Task = { type: string; mode: string; result?: { state?: string }; tasks?: Task[] };

/** Ends the run with one plain line, "N passed, N failed, N skipped", that any CI can read. */
export default class SummaryReporter implements Reporter {
  onFinished(files: Task[] = []): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const visit = (task: Task) => {
      if (task.tasks) {
        // A file that failed to load has no tests but must still count as a failure.
        if (task.tasks.length === 0 && task.result?.state === 'fail') counts.failed++;
        task.tasks.forEach(visit);
        return;
      }
      if (task.type !== 'test') return;
      if (task.mode === 'skip' || task.mode === 'todo') counts.skipped++;
      else if (task.result?.state === 'pass') counts.passed++;
      else counts.failed++;
    };
    files.forEach(visit);
    const backend = process.env.TEST_DATABASE_URL?.startsWith('postgres') ? 'postgres' : 'sqlite';
    process.stdout.write(`\n${backend}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
