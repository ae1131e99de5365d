import { Type } from '@sinclair/typebox';
import { eventCategories } from '../../domain/events.js';
import { dateTime, idParams, listOf, objectId, pageQuery } from '../schemas.js';

export const eventCategory = Type.Union(
  eventCategories.map((c) => Type.Literal(c)),
  { description: 'The category of the Event.' },
);

export const event = Type.Object(
  {
    type: Type.Literal('event'),
    id: objectId(),
    associated_object_id: objectId({ description: 'The identifier of the object that generated this Event.' }),
    associated_object_type: Type.String({ description: 'The type of the object that generated this Event.' }),
    category: eventCategory,
    created_at: dateTime,
  },
  { $id: 'event', title: 'Event', additionalProperties: false },
);

const createdAtBound = (description: string) => Type.Optional(Type.String({ format: 'date-time', description }));

export const listQuery = Type.Object(
  {
    ...pageQuery,
    'category.in': Type.Optional(
      Type.String({ description: `Comma-delimited categories: ${eventCategories.join(', ')}.` }),
    ),
    associated_object_id: Type.Optional(
      Type.String({ description: 'Only Events about the object with this identifier.' }),
    ),
    'created_at.after': createdAtBound('Return results after this ISO 8601 timestamp.'),
    'created_at.before': createdAtBound('Return results before this ISO 8601 timestamp.'),
    'created_at.on_or_after': createdAtBound('Return results on or after this ISO 8601 timestamp.'),
    'created_at.on_or_before': createdAtBound('Return results on or before this ISO 8601 timestamp.'),
  },
  { additionalProperties: true },
);

export const eventList = listOf(event, 'Event List');
export const eventParams = idParams('event_id');
