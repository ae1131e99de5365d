const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Why `value` cannot be where a customer is sent after onboarding, or null if it can:
 * an absolute https URL, or http on this machine for development.
 */
export function redirectUrlProblem(value: string): string | null {
  if (value.length > 2048) return 'must be at most 2048 characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL, such as https://example.com/onboarding/done';
  }
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && loopbackHosts.has(url.hostname)) return null;
  if (url.protocol === 'http:') return 'must use https (http is allowed only for localhost and 127.0.0.1)';
  return 'must be an https URL';
}
