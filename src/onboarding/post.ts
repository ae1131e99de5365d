import { finished } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { allRepeats } from './flow.js';
import type { Progress } from './progress.js';

/** A form post: its fields (a name may repeat) and any files, read whole but bounded. */
export interface FormPost {
  fields: Map<string, string[]>;
  files: Map<string, { filename: string; contents: Buffer }>;
  /** The page's file inputs whose file was sent but not read: past the most one post takes. */
  unread: Set<string>;
}

/** The longest answer kept: longer than any Entity field allows, so the rules still name it. */
const maxAnswerLength = 1000;

/** The most values a post may carry: a page of 50 owners has fewer than 2,000 inputs. */
const maxValues = 5000;
/** The most files kept from one post; each is read whole, up to the size limit. */
export const maxFilesPerPost = 8;

/**
 * Reads a form post, urlencoded or multipart (when it carries files). Only the files of the
 * page's own file inputs are read; others are drained unread.
 */
export async function readPost(request: FastifyRequest, fileInputs: ReadonlySet<string>): Promise<FormPost> {
  const post: FormPost = { fields: new Map(), files: new Map(), unread: new Set() };
  let values = 0;
  const add = (name: string, value: string) => {
    if (++values > maxValues) return;
    const list = post.fields.get(name);
    if (list) list.push(value.slice(0, maxAnswerLength));
    else post.fields.set(name, [value.slice(0, maxAnswerLength)]);
  };
  if (request.isMultipart?.()) {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') add(part.fieldname, part.value);
        continue;
      }
      if (!fileInputs.has(part.fieldname) || post.files.size >= maxFilesPerPost) {
        // A file chosen for this page but past the limit is asked for again, not dropped unseen.
        if (fileInputs.has(part.fieldname) && part.filename) post.unread.add(part.fieldname);
        await finished(part.file.resume());
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
  if (count <= repeat.min || !Number.isInteger(index) || index < 0 || index >= count) return;
  const prefix = `${repeat.path}.`;
  // Answers (and upload errors) keyed by input name: the removed item's go, later ones move up.
  const shift = (record: Record<string, string>) => {
    const moved: Record<string, string> = {};
    for (const [name, value] of Object.entries(record)) {
      const item = name.startsWith(prefix) ? Number(name.slice(prefix.length).split('.')[0]) : Number.NaN;
      if (Number.isNaN(item) || item < index) moved[name] = value;
      else if (item > index) moved[name.replace(`${prefix}${item}.`, `${prefix}${item - 1}.`)] = value;
    }
    return moved;
  };
  progress.answers = shift(progress.answers);
  progress.uploadErrors = shift(progress.uploadErrors);
  progress.counts[group] = count - 1;
}
