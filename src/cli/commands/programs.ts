import { defaultGroupName, findOrCreateGroup } from '../../domain/access.js';
import { createProgram, updateProgram } from '../../domain/programs.js';
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
  'programs update': {
    usage:
      'onboard programs update PROGRAM_ID [--name NAME] [--display-name TEXT] [--logo-url URL] [--accent-color #RRGGBB] [--terms-url URL] [--structures LIST]',
    summary: 'Change a Program and how the hosted form presents it; prints both.',
    arguments: ['PROGRAM_ID'],
    options: {
      name: { type: 'string', description: 'the Program name, as the API shows it' },
      'display-name': { type: 'string', description: 'the name the form shows customers' },
      'logo-url': { type: 'string', description: 'https URL of a logo for the form' },
      'accent-color': { type: 'string', description: 'the form accent colour, as #rrggbb' },
      'terms-url': { type: 'string', description: 'https URL of the terms customers agree to' },
      structures: {
        type: 'string',
        description:
          'comma-separated structures the form offers (natural_person,corporation,joint,trust,government_authority)',
      },
    },
    details: ['An empty value ("") clears a setting. The change is announced as a program.updated Event.'],
    async run(values, _flags, [programId]) {
      const result = await withDatabase((database) =>
        database.transaction((tx) =>
          updateProgram(tx, programId as string, {
            name: values.name,
            display_name: values['display-name'],
            logo_url: values['logo-url'],
            accent_color: values['accent-color'],
            terms_url: values['terms-url'],
            structures: values.structures
              ?.split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          }),
        ),
      );
      print(result);
    },
  },
};
