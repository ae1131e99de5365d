import { backend } from './backend.js';

export default function setup(): void {
  process.stdout.write(`\nOnboard test suite: backend = ${backend}\n\n`);
}
