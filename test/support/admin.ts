/** The operator credentials the suites configure (ADMIN_TOKEN, ADMIN_FULL_TOKEN): long enough for the boot check. */
export const ADMIN_TOKEN = 'test-operator-token-0123456789abcdef';
export const ADMIN_FULL_TOKEN = 'test-full-scope-token-fedcba9876543210';

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
