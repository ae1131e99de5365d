import { expect, it } from 'vitest';
import { sessionToken } from '../../src/domain/secrets.js';

// Tokens are derived, never stored: every session_url already handed out depends on these digits.
it('derives the session token of session_urls already handed out, digit for digit', () => {
  expect(sessionToken(Buffer.alloc(32, 7), 'entity_onboarding_session_mwx0000000abcdefghijkl')).toBe(
    'vGmYPFtQXB7veuSylGiwtAboxkdHRbskVx6pd1Kv',
  );
  expect(
    sessionToken(
      Buffer.from('a token secret of at least thirty-two characters'),
      'entity_onboarding_session_00000000000000000000',
    ),
  ).toBe('bWyoTZiriBvvt6FpEJoPLTeoEl3HPzCyNnxY1GhT');
});
