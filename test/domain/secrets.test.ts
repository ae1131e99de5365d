import { expect, it } from 'vitest';
import { sessionToken } from '../../src/domain/secrets.js';

// Tokens are derived, never stored: every session_url already handed out depends on these digits,
// which now follow the 8 characters of the session id that tell when it was made.
it('derives the digits of session_urls already handed out, after the time of the session', () => {
  expect(sessionToken(Buffer.alloc(32, 7), 'entity_onboarding_session_mwx0000000abcdefghijkl')).toBe(
    'x0000000vGmYPFtQXB7veuSylGiwtAboxkdHRbskVx6pd1Kv',
  );
  expect(
    sessionToken(
      Buffer.from('a token secret of at least thirty-two characters'),
      'entity_onboarding_session_00000000000000000000',
    ),
  ).toBe('00000000bWyoTZiriBvvt6FpEJoPLTeoEl3HPzCyNnxY1GhT');
});
