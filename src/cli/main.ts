#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, configVariables } from '../config.js';
import { DomainError } from '../domain/errors.js';
import { type Command, NotFoundError, UsageError } from './command.js';
import { eventCommands } from './commands/events.js';
import { keyCommands } from './commands/keys.js';
import { programCommands } from './commands/programs.js';
import { serverCommands } from './commands/server.js';

/** Thin commands: read arguments, call the domain, print JSON. */

const commands: Record<string, Command> = { ...serverCommands, ...keyCommands, ...programCommands, ...eventCommands };

const nameWidth = Math.max(...Object.keys(commands).map((name) => name.length));

function help(command?: Command): string {
  if (command) {
    const lines = [`Usage: ${command.usage}`, '', command.summary];
    if (command.arguments?.length) lines.push('', `Arguments: ${command.arguments.join(' ')} (required)`);
    const options = Object.entries(command.options);
    if (options.length > 0)
      lines.push('', 'Options:', ...options.map(([n, o]) => `  --${n.padEnd(14)} ${o.description}`));
    lines.push('  --help           show this help');
    if (command.details) lines.push('', ...command.details);
    if (command.usage === 'onboard serve') {
      lines.push(
        '',
        'Environment (default):',
        ...Object.entries(configVariables).map(([k, v]) => `  ${k.padEnd(30)} ${v || '(unset)'}`),
      );
    }
    return lines.join('\n');
  }
  return [
    'Usage: onboard <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(nameWidth)} ${c.summary}`),
    '',
    'Every command reads DATABASE_URL (default sqlite:./data/onboard.db) and migrates first.',
    'Run `onboard <command> --help` for its options.',
  ].join('\n');
}

/** The command named by the leading words of argv (`events subscriptions secret`), longest first. */
function findCommand(argv: string[]): { name: string; rest: string[] } | null {
  const leading: string[] = [];
  for (const arg of argv) {
    if (arg.startsWith('-')) break;
    leading.push(arg);
  }
  for (let length = Math.min(3, leading.length); length > 0; length--) {
    const name = leading.slice(0, length).join(' ');
    if (name in commands) return { name, rest: argv.slice(length) };
  }
  return null;
}

async function main(argv: string[]): Promise<void> {
  const found = findCommand(argv);
  const command = found ? commands[found.name] : undefined;
  if (!found || !command) {
    const words = argv.filter((a) => !a.startsWith('-'));
    const wantsHelp = argv.length === 0 || argv.includes('--help') || argv.includes('-h') || words[0] === 'help';
    if (wantsHelp) return void process.stdout.write(`${help()}\n`);
    throw new UsageError(`unknown command "${words.join(' ')}"; run onboard --help`);
  }
  const { rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) return void process.stdout.write(`${help(command)}\n`);
  const values: Record<string, string | undefined> = {};
  const flags = new Set<string>();
  const expected = command.arguments ?? [];
  let args: string[];
  try {
    const parsed = parseArgs({ args: rest, options: command.options, strict: true, allowPositionals: true });
    for (const [name, value] of Object.entries(parsed.values)) {
      if (typeof value === 'string') values[name] = value;
      else if (value === true) flags.add(name);
    }
    args = parsed.positionals;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (args.length !== expected.length) {
    const wanted = expected.length > 0 ? `expects ${expected.join(' ')}` : 'takes no arguments';
    throw new UsageError(`${found.name} ${wanted}; usage: ${command.usage}`);
  }
  await command.run(values, flags, args);
}

main(process.argv.slice(2)).catch((error: Error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`onboard: configuration error: ${error.message}\n`);
    process.exit(78);
  }
  if (error instanceof UsageError) {
    process.stderr.write(`onboard: ${error.message}\n`);
    process.exit(64);
  }
  // Bad input the domain refused is a usage error; an unknown id, a missing thing.
  if (error instanceof DomainError && error.type === 'invalid_parameters_error') {
    process.stderr.write(`onboard: ${error.message}\n`);
    process.exit(64);
  }
  if (error instanceof NotFoundError || (error instanceof DomainError && error.type === 'object_not_found_error')) {
    process.stderr.write(`onboard: ${error.message}\n`);
    // EX_NOINPUT: the thing named does not exist.
    process.exit(66);
  }
  process.stderr.write(`onboard: ${error.message}\n`);
  process.exit(1);
});
