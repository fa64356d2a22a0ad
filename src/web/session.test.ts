import { describe, expect, it } from 'vitest';
import { cookie, csrfToken, csrfValid, parseCookies, seal, unseal } from './session.ts';

describe('web sessions', () => {
  it('seals the API key so only the session token opens it', () => {
    const s = seal('vc_abc_secret', 'token-a');
    expect(s).not.toContain('secret');
    expect(unseal(s, 'token-a')).toBe('vc_abc_secret');
    expect(unseal(s, 'token-b')).toBeNull();
  });
  it('accepts only the CSRF token derived from the cookie', () => {
    expect(csrfValid('c1', csrfToken('c1'))).toBe(true);
    expect(csrfValid('c1', csrfToken('c2'))).toBe(false);
    expect(csrfValid(undefined, csrfToken('c1'))).toBe(false);
    expect(csrfValid('c1', undefined)).toBe(false);
  });
  it('writes HTTP-only, same-site cookies and reads them back', () => {
    const c = cookie('vc_session', 'a b', { maxAgeSeconds: 60 });
    expect(c).toBe('vc_session=a%20b; Path=/; HttpOnly; SameSite=Strict; Max-Age=60');
    expect(parseCookies('x=1; vc_session=a%20b; bad')).toEqual({ x: '1', vc_session: 'a b' });
  });
});
