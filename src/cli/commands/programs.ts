import { defaultGroupName, findOrCreateGroup } from '../../domain/access.js';
import { createProgram } from '../../domain/programs.js';
import { type Command, groupOption, print, UsageError, withDatabase } from '../command.js';

/** Programs. */
export const programCommands: Record<string, Command> = {
  'programs create': {
    usage: 'onboard programs create --name NAME [--group NAME]',
    summary: 'Create a Program and print it.',
    options: { name: { type: 'string', description: 'the Program name (required)' }, group: groupOption },
    async run(values) {
      const name = values.name?.trim();
      if (!name) throw new UsageError('--name is required');
      const program = await withDatabase((database) =>
        database.transaction(async (tx) => {
          const group = await findOrCreateGroup(tx, values.group ?? defaultGroupName);
          return createProgram(tx, group.id, name);
        }),
      );
      print(program);
    },
  },
};
