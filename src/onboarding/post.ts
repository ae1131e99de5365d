import type { FastifyRequest } from 'fastify';
import { allRepeats } from './flow.js';
import type { Progress } from './progress.js';

/** A form post: its fields (a name may repeat) and any files, read whole but bounded. */
export interface FormPost {
  fields: Map<string, string[]>;
  files: Map<string, { filename: string; contents: Buffer }>;
}

/** The longest answer kept: longer than any Entity field allows, so the rules still name it. */
const maxAnswerLength = 1000;

/** Reads a form post, urlencoded or multipart (when it carries files). */
export async function readPost(request: FastifyRequest): Promise<FormPost> {
  const post: FormPost = { fields: new Map(), files: new Map() };
  const add = (name: string, value: string) =>
    post.fields.set(name, [...(post.fields.get(name) ?? []), value.slice(0, maxAnswerLength)]);
  if (request.isMultipart?.()) {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') add(part.fieldname, part.value);
        continue;
      }
      const contents = await part.toBuffer();
      if (part.filename && contents.length > 0)
        post.files.set(part.fieldname, { filename: part.filename.slice(0, 255), contents });
    }
  } else if (request.body instanceof URLSearchParams) {
    for (const [name, value] of request.body) add(name, value);
  }
  return post;
}

/** Moves the answers of the repeated groups after `index` one place up, as one is removed. */
export function removeFromGroup(progress: Progress, group: string, index: number) {
  const repeat = allRepeats.find((r) => r.group === group);
  if (!repeat) return;
  const count = progress.counts[group] ?? repeat.min;
  if (count <= repeat.min || index >= count) return;
  const itemOf = (name: string) => {
    const rest = name.slice(repeat.path.length + 1);
    return name.startsWith(`${repeat.path}.`) ? Number(rest.split('.')[0]) : Number.NaN;
  };
  const moved: Record<string, string> = {};
  for (const [name, value] of Object.entries(progress.answers)) {
    const item = itemOf(name);
    if (Number.isNaN(item)) moved[name] = value;
    else if (item > index) moved[name.replace(`${repeat.path}.${item}.`, `${repeat.path}.${item - 1}.`)] = value;
    else if (item < index) moved[name] = value;
  }
  progress.answers = moved;
  progress.counts[group] = count - 1;
}
