/** The error types of Increase's API; the HTTP layer maps each to its status code. */
export type ErrorType =
  | 'invalid_parameters_error'
  | 'malformed_request_error'
  | 'invalid_api_key_error'
  | 'environment_mismatch_error'
  | 'insufficient_permissions_error'
  | 'private_feature_error'
  | 'api_method_not_found_error'
  | 'object_not_found_error'
  | 'idempotency_key_already_used_error'
  | 'invalid_operation_error'
  | 'rate_limited_error'
  | 'internal_server_error';

/** One bad input: the JSON path of the field and what is wrong with it. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * A failure the caller can act on. It carries the Increase error type and that type's extra
 * fields (`errors`, `resource_id`, `reason`, `retry_after`); it knows nothing of HTTP.
 */
export class DomainError extends Error {
  constructor(
    readonly type: ErrorType,
    readonly detail: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'DomainError';
  }
}

export function invalidParameters(errors: FieldError[]): DomainError {
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return new DomainError('invalid_parameters_error', detail, { errors });
}

/** Collects field errors, so that one response names every bad field at once. */
export class FieldErrors {
  readonly list: FieldError[] = [];

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  renameFields(rename: (field: string) => string): void {
    for (const error of this.list) error.field = rename(error.field);
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw invalidParameters(this.list);
  }
}

export function objectNotFound(id: string): DomainError {
  return new DomainError('object_not_found_error', `No object with id ${id} was found.`);
}

/** Throws the 404 for an object the caller cannot see, for use after `??`. */
export function notFound(id: string): never {
  throw objectNotFound(id);
}

export function invalidOperation(detail: string): DomainError {
  return new DomainError('invalid_operation_error', detail);
}
