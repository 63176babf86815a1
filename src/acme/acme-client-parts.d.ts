/**
 * The parts of acme-client that an order uses, imported one by one: its index
 * also loads its legacy node-forge API (`acme.forge`), which provision never
 * calls (about 2 MB of a run's peak RSS). Typed by acme-client's own types.
 */
declare module 'acme-client/src/client.js' {
  import type { Client } from 'acme-client';
  const client: typeof Client;
  export = client;
}

declare module 'acme-client/src/crypto/index.js' {
  import type { CryptoInterface } from 'acme-client';
  const crypto: CryptoInterface;
  export = crypto;
}

declare module 'acme-client/src/axios.js' {
  import type { axios as instance } from 'acme-client';
  const axios: typeof instance;
  export = axios;
}

declare module 'acme-client/src/logger.js' {
  const logger: { setLogger(fn: (msg: string) => void): void };
  export = logger;
}
