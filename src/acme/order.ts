/**
 * One certificate order with acme-client: account, order, HTTP-01 challenges
 * placed through `ChallengeFiles` (on the host serving the domain), CSR,
 * certificate. Only this module imports acme-client, the parts it uses
 * (acme-client-parts.d.ts).
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import { accountKey } from './account.js';
import { describeAcmeError } from './errors.js';
import { checkedToken } from './token.js';
import { withWebGlobalsHidden } from './web-globals.js';

// Node's lazy fetch classes hidden while acme-client's modules are evaluated (see web-globals.ts).
// Each part by its default export (module.exports): the bundle's chunk of a CommonJS module has no named ones.
const { Client, acmeAxios, acmeCrypto, setLogger } = await withWebGlobalsHidden(async () => {
  const [client, axios, crypto, logger] = await Promise.all([
    import('acme-client/src/client.js'),
    import('acme-client/src/axios.js'),
    import('acme-client/src/crypto/index.js'),
    import('acme-client/src/logger.js'),
  ]);
  return { Client: client.default, acmeAxios: axios.default, acmeCrypto: crypto.default, setLogger: logger.default.setLogger };
});

/** Where HTTP-01 key authorizations are published (the webroot on the host). */
export interface ChallengeFiles {
  /** Publishes `content` at /.well-known/acme-challenge/TOKEN. */
  put(token: string, content: string): Promise<void>;
  /** Removes it again. */
  remove(token: string): Promise<void>;
}

/** What to order. */
export interface OrderRequest {
  /** ACME directory URL. */
  directoryUrl: string;
  /** PEM file of a CA to trust for the ACME server's HTTPS (besides the system's), e.g. Pebble's. */
  caFile?: string;
  /** Contact email for the account. */
  email?: string;
  /** Names of the certificate; the first is its CN. */
  domains: string[];
  /** Key of the certificate. */
  keyType: 'ecdsa' | 'rsa';
  /** Control-node state directory (account key). */
  stateDir: string;
  /** Publishes the challenges. */
  challenges: ChallengeFiles;
}

/** An issued certificate. */
export interface IssuedCertificate {
  /** Its private key, PEM. */
  key: string;
  /** Certificate and intermediates, PEM. */
  chain: string;
}

/** Failed order: the message is the real cause, readable. */
export class AcmeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AcmeError';
  }
}

/** acme-client retries lines, kept to explain its misleading final error. */
const retryLog: string[] = [];
setLogger((message) => {
  if (message.startsWith('Caught ')) retryLog.push(message);
});
// A few quick retries (429 and 5xx deserve some), not acme-client's 75 s of them.
Object.assign((acmeAxios.defaults as { acmeSettings?: object }).acmeSettings ?? {}, { retryMaxAttempts: 2, retryDefaultDelay: 1 });

/** CA PEMs trusted besides the system's, by file; the agent trusts all of them (hosts order in parallel). */
const extraCas = new Map<string, string>();

/**
 * Trusts `caFile` for the ACME server's HTTPS through an explicit agent (TLS checks stay on).
 * Its connections share one TLS context: given only `ca`, each connection would build its own and
 * parse every system CA again, about 1 MB each, for the dozen requests of an order (measured on one
 * first converge of the lab: controller peak RSS 95 to 83 MB).
 */
function agentFor(caFile: string | undefined): Agent | undefined {
  if (caFile !== undefined && !extraCas.has(caFile)) {
    extraCas.set(caFile, readFileSync(caFile, 'utf8'));
    acmeAxios.defaults.httpsAgent = new Agent({ secureContext: createSecureContext({ ca: [...rootCertificates, ...extraCas.values()] }) });
  }
  return extraCas.size > 0 ? (acmeAxios.defaults.httpsAgent as Agent) : undefined;
}

/** Fetches the directory once with a short timeout, so an unreachable or untrusted server fails at once with its real cause. */
function checkDirectory(url: string, agent: Agent | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 10_000 }, (res) => {
      res.resume();
      if ((res.statusCode ?? 0) >= 400) reject(new AcmeError(`the ACME directory ${url} answered HTTP ${res.statusCode}`));
      else resolve();
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => reject(new AcmeError(describeAcmeError(err, url))));
    req.end();
  });
}

/**
 * Finds the account of the key, or creates it. acme-client's own path (auto) sends an "update"
 * holding only termsOfServiceAgreed to an existing account, which servers refuse as an empty update.
 */
async function ensureAccount(client: InstanceType<typeof Client>, email: string | undefined): Promise<void> {
  try {
    await client.createAccount({ onlyReturnExisting: true });
  } catch {
    await client.createAccount({ termsOfServiceAgreed: true, contact: email ? [`mailto:${email}`] : undefined });
  }
}

/** Orders a certificate; throws AcmeError with the real cause. Challenge files are removed whatever happens. */
export async function orderCertificate(req: OrderRequest): Promise<IssuedCertificate> {
  let agent: Agent | undefined;
  try {
    agent = agentFor(req.caFile);
  } catch (err) {
    throw new AcmeError(`cannot read acme_ca_file ${req.caFile}: ${(err as Error).message}`);
  }
  await checkDirectory(req.directoryUrl, agent);
  const retriesBefore = retryLog.length;
  try {
    const client = new Client({
      directoryUrl: req.directoryUrl,
      accountKey: await accountKey(req.stateDir, req.directoryUrl, () => acmeCrypto.createPrivateEcdsaKey('P-256')),
    });
    await ensureAccount(client, req.email);
    const key = req.keyType === 'rsa' ? await acmeCrypto.createPrivateRsaKey(2048) : await acmeCrypto.createPrivateEcdsaKey('P-256');
    const [, csr] = await acmeCrypto.createCsr({ commonName: req.domains[0], altNames: req.domains }, key);
    const chain = await client.auto({
      csr,
      challengePriority: ['http-01'],
      // acme-client's own pre-check resolves the name with the control node's DNS, which need not be the world's.
      skipChallengeVerification: true,
      // The token names a file on the host: only base64url tokens are used (a bad one fails the order).
      challengeCreateFn: async (_authz, challenge, keyAuthorization) => req.challenges.put(checkedToken(challenge.token), keyAuthorization),
      challengeRemoveFn: async (_authz, challenge) => req.challenges.remove(checkedToken(challenge.token)),
    });
    return { key: key.toString(), chain };
  } catch (err) {
    if (err instanceof AcmeError) throw err;
    throw new AcmeError(describeAcmeError(err, req.directoryUrl, retryLog.slice(retriesBefore)));
  }
}
