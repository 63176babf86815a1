/**
 * Turns what acme-client throws into the real cause. On network and TLS
 * errors it retries, then throws "Cannot read properties of undefined
 * (reading 'config')" (acme-client issue #101); the cause is then only in its
 * log lines ("Caught ECONNREFUSED, retry attempt 2/2 to URL ..."), which the
 * caller captures and passes here.
 */

/** Errors of the connection, in words. */
const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'name not found',
  EAI_AGAIN: 'name lookup failed',
  ETIMEDOUT: 'timed out',
  ECONNABORTED: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** TLS errors meaning the server's certificate is not trusted. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const RETRY_LINE = /Caught (.+?), retry attempt (\d+)\/(\d+) to URL (\S+)/;

/** Pure: a readable message for an ACME failure. `retries` are acme-client's log lines about retries, oldest first. */
export function describeAcmeError(err: unknown, directoryUrl: string, retries: readonly string[] = []): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const text = describeCode(code, directoryUrl);
    if (text) return text;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof TypeError && message.includes("reading 'config'")) {
    const last = retries.map((l) => RETRY_LINE.exec(l)).filter((m) => m !== null).pop();
    if (!last) return `the ACME server ${directoryUrl} could not be reached (no further detail)`;
    const [, caught, attempt, , url] = last;
    const cause = describeCode(caught!, url!) ?? `${caught} from ${url}`;
    return `${cause} (gave up after ${Number(attempt) + 1} attempts)`;
  }
  return printable(message);
}

/** The server's own words, with control characters (a terminal escape sequence) written as \\xNN. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Pure: the message for a network or TLS error code; undefined for other codes. */
function describeCode(code: string, url: string): string | undefined {
  if (NETWORK[code]) return `cannot reach the ACME server ${url}: ${NETWORK[code]} (${code})`;
  if (UNTRUSTED.has(code)) return `the TLS certificate of the ACME server ${url} is not trusted (${code}); for a private ACME server set acme_ca_file to the CA that signed it`;
  if (/^HTTP 5\d\d$|^HTTP 429$/.test(code)) return `the ACME server ${url} answered ${code}`;
  return undefined;
}
