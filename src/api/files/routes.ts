import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { acceptedKinds } from '../../domain/file-types.js';
import { filePurposes, uploadPurposes } from '../../domain/files.js';
import { writeOnce } from '../../http/idempotency.js';
import { ListQuery, listResponse } from '../../http/list-query.js';
import { errorSchema } from '../schemas.js';
import { file, fileList, fileParams, listQuery } from './schemas.js';
import { multipartOptions, readUpload } from './upload.js';

const tags = ['Files'];
const answers = <T>(schema: T) => ({ 200: schema, '4xx': errorSchema, '5xx': errorSchema });

/** RFC 6266 `attachment`, with an ASCII fallback and the exact name in RFC 8187 encoding. */
export function attachment(filename: string | null): string {
  if (!filename) return 'attachment';
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  let encoded = '';
  for (const byte of Buffer.from(filename, 'utf8')) {
    const c = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9!#$&+\-.^_`|~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

export const fileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { files, db } = app.services;
  // Only these routes take multipart bodies; everywhere else the API speaks JSON alone.
  await app.register(multipart, multipartOptions(files.sizeLimit));

  app.post(
    '/files',
    {
      schema: {
        operationId: 'create_a_file',
        summary: 'Create a File',
        description:
          `Upload as multipart/form-data: a part \`file\` (${acceptedKinds}, recognised from its contents, ` +
          `at most ONBOARD_FILE_SIZE_LIMIT bytes), a field \`purpose\` (${uploadPurposes.join(', ')}) and ` +
          'an optional `description` (1 to 200 characters).',
        consumes: ['multipart/form-data'],
        tags,
        response: answers(file),
      },
    },
    async (request, reply) => {
      const { upload, fingerprint } = await readUpload(request);
      return writeOnce(request, reply, (tx, key) => files.create(tx, request.caller.groupId, upload, key), {
        fingerprint,
      });
    },
  );

  app.get(
    '/files',
    {
      schema: {
        operationId: 'list_files',
        summary: 'List Files',
        tags,
        querystring: listQuery,
        response: answers(fileList),
      },
    },
    async (request) => {
      const query = new ListQuery(request.query);
      const page = query.page();
      const purposes = query.enumList('purpose.in', filePurposes);
      const createdAt = query.createdAt();
      const idempotencyKey = query.text('idempotency_key');
      query.check();
      return listResponse(
        await files.list(db.db, request.caller.groupId, { purposes, createdAt, idempotencyKey }, page),
      );
    },
  );

  app.get(
    '/files/:file_id',
    {
      schema: {
        operationId: 'retrieve_a_file',
        summary: 'Retrieve a File',
        tags,
        params: fileParams,
        response: answers(file),
      },
    },
    (request) => files.get(db.db, request.caller.groupId, request.params.file_id),
  );

  app.get(
    '/files/:file_id/contents',
    {
      schema: {
        operationId: 'download_a_file',
        summary: 'Download a File',
        description:
          "The File's bytes, with the media type recognised at upload. Onboard serves them itself; " +
          'Increase answers with a redirect to a short-lived URL. The SDK reads either.',
        tags,
        params: fileParams,
        response: {
          200: {
            description: "The File's contents, as the media type in its `mime_type`.",
            content: {
              'application/octet-stream': { schema: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }) },
            },
          },
          '4xx': errorSchema,
          '5xx': errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { file, contents } = await files.contents(db.db, request.caller.groupId, request.params.file_id);
      return reply
        .type(file.mime_type)
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', attachment(file.filename))
        .send(contents);
    },
  );
};
