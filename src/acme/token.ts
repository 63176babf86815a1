/**
 * An HTTP-01 challenge token becomes a file name in the webroot on the host,
 * so only what RFC 8555 (section 8.3) allows is accepted: base64url
 * characters, no padding, nothing else. A token from a hostile or broken ACME
 * server (`../../../etc/cron.d/x`) fails the order before anything is written.
 */

const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

/** `token` when it is a base64url token; throws (naming it, escaped) when it is not. */
export function checkedToken(token: unknown): string {
  if (typeof token === 'string' && TOKEN.test(token)) return token;
  const shown = typeof token === 'string' ? JSON.stringify(token.length > 80 ? `${token.slice(0, 79)}…` : token) : typeof token;
  throw new Error(`the ACME server sent an HTTP-01 challenge token that is not base64url (letters, digits, - and _): ${shown}; the order was stopped and no challenge file was written`);
}
