import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { DomainError, type ErrorType, type FieldError } from '../domain/errors.js';

/** The one table from Increase error type to HTTP status and title. */
const errorTypes: Record<ErrorType, { status: number; title: string }> = {
  invalid_parameters_error: { status: 400, title: 'Invalid parameters.' },
  malformed_request_error: { status: 400, title: 'Malformed request.' },
  invalid_api_key_error: { status: 401, title: 'Invalid API key.' },
  environment_mismatch_error: { status: 403, title: 'Environment mismatch.' },
  insufficient_permissions_error: { status: 403, title: 'Insufficient permissions.' },
  private_feature_error: { status: 403, title: 'Private feature.' },
  api_method_not_found_error: { status: 404, title: 'API method not found.' },
  object_not_found_error: { status: 404, title: 'Object not found.' },
  idempotency_key_already_used_error: { status: 409, title: 'Idempotency key already used.' },
  invalid_operation_error: { status: 409, title: 'Invalid operation.' },
  rate_limited_error: { status: 429, title: 'Rate limited.' },
  internal_server_error: { status: 500, title: 'Internal server error.' },
};

/** The answer to a body that is not JSON. */
export const notJson = () =>
  new DomainError('malformed_request_error', 'Request bodies must be JSON, sent with Content-Type: application/json.');

/** The JSON body of an error, as Increase sends it. */
export function errorBody(error: DomainError) {
  const { status, title } = errorTypes[error.type];
  return { type: error.type, title, detail: error.detail, status, ...error.fields };
}

export function sendError(reply: FastifyReply, error: DomainError): FastifyReply {
  const body = errorBody(error);
  // The SDK retries 409s unless told not to; ours fail the same way every time.
  if (body.status === 409) reply.header('x-should-retry', 'false');
  if (error.type === 'rate_limited_error') reply.header('retry-after', String(error.fields.retry_after));
  return reply.code(body.status).type('application/json; charset=utf-8').send(body);
}

/** Ajv's complaints, as field paths (`corporation.address.zip`) and messages. */
function validationErrors(error: FastifyError): FieldError[] {
  return (error.validation ?? []).map((issue) => {
    const segments = issue.instancePath.split('/').filter(Boolean);
    const missing = (issue.params as { missingProperty?: string }).missingProperty;
    if (missing) segments.push(missing);
    const extra = (issue.params as { additionalProperty?: string }).additionalProperty;
    if (extra) segments.push(extra);
    const field = segments.join('.') || (error.validationContext ?? 'body');
    const message = missing ? 'is required' : extra ? 'is not a known parameter' : (issue.message ?? 'is invalid');
    return { field, message };
  });
}

/** Fastify's own codes for a body it could not read. */
const unreadableBody = new Set([
  'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  'FST_ERR_CTP_EMPTY_JSON_BODY',
  'FST_ERR_CTP_INVALID_JSON_BODY',
  'FST_ERR_CTP_BODY_TOO_LARGE',
  'FST_ERR_CTP_INVALID_CONTENT_LENGTH',
  'FST_ERR_CTP_INVALID_TYPE',
]);

/** Every failure leaves as an Increase-shaped error; a 500 says nothing of the cause. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DomainError) return sendError(reply, error);
    if (error.validation) {
      const errors = validationErrors(error);
      return sendError(
        reply,
        new DomainError('invalid_parameters_error', errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
          errors,
        }),
      );
    }
    if (unreadableBody.has(error.code) || error instanceof SyntaxError) {
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(reply, notJson());
      const detail =
        error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? 'The request body is too large.'
          : 'The request body is not valid JSON.';
      return sendError(reply, new DomainError('malformed_request_error', detail));
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, new DomainError('malformed_request_error', 'The request could not be read.'));
    }
    // Not the whole error: a database driver's `detail` can quote the row's values.
    request.log.error(
      { err: { type: error.name, code: error.code, message: error.message, stack: error.stack } },
      'request failed',
    );
    return sendError(
      reply,
      new DomainError('internal_server_error', 'Something went wrong on our side. Please retry.'),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new DomainError(
        'api_method_not_found_error',
        `There is no ${request.method} ${request.url.split('?')[0]} method.`,
      ),
    ),
  );
}
