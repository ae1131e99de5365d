import { createHash } from 'node:crypto';
import { finished } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { DomainError, invalidParameters } from '../../domain/errors.js';
import type { FileUpload } from '../../domain/files.js';

/**
 * How the multipart parser reads an upload: the file at most one byte past the size limit
 * (the parser discards the rest, so an oversized upload costs no memory and is refused with a
 * 400 once its body has been read), and a few small text fields.
 */
export const multipartOptions = (sizeLimit: number) => ({
  throwFileSizeLimit: false,
  limits: {
    fileSize: sizeLimit + 1,
    /** `file`, `purpose` and `description`, with room for parts we ignore. */
    parts: 20,
    fields: 19,
    /** A description is at most 200 characters; a longer field is cut here and refused later. */
    fieldSize: 64 * 1024,
  },
});

/** The parameters of a multipart upload, and what stands for them in the idempotency fingerprint. */
export interface ReadUpload {
  upload: FileUpload;
  fingerprint: { purpose?: string; description?: string; filename?: string | null; file_sha256?: string };
}

const howToUpload = 'Files are uploaded as multipart/form-data with a file part named "file" and a "purpose" field.';

/** Reads a `multipart/form-data` upload: the `file` part into memory, and the text fields. */
export async function readUpload(request: FastifyRequest): Promise<ReadUpload> {
  if (!request.isMultipart()) throw new DomainError('malformed_request_error', howToUpload);
  const fields: Record<string, string> = {};
  let file: FileUpload['file'];
  let files = 0;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (typeof part.value === 'string') fields[part.fieldname] = part.value;
        continue;
      }
      if (part.fieldname === 'file') files++;
      if (part.fieldname !== 'file' || files > 1) {
        // Read to its end unkept, so that the parts after it arrive.
        await finished(part.file.resume());
        continue;
      }
      file = { filename: part.filename === '' ? null : part.filename, contents: await part.toBuffer() };
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError('malformed_request_error', `The multipart/form-data body could not be read. ${howToUpload}`);
  }
  if (files > 1) throw invalidParameters([{ field: 'file', message: 'must be a single file' }]);
  const upload: FileUpload = { purpose: fields.purpose, description: fields.description, file };
  return {
    upload,
    fingerprint: {
      purpose: upload.purpose,
      description: upload.description,
      filename: file?.filename,
      file_sha256: file && createHash('sha256').update(file.contents).digest('hex'),
    },
  };
}
