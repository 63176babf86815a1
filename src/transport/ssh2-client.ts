/**
 * The parts of ssh2 provision uses, loaded one by one: ssh2's index also loads
 * its server, key generator and HTTP agents (and with them node:http, https and
 * tls), which every run would pay for at start-up and none uses.
 */
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';

// ssh2 is CommonJS without an exports map: its files are reachable by path.
const require = createRequire(import.meta.url);

/** ssh2's SSH client. */
export const Client = require('ssh2/lib/client.js') as typeof Ssh2.Client;

/** ssh2's parser of OpenSSH, PPK and PEM keys. */
export const { parseKey } = require('ssh2/lib/protocol/keyParser.js') as { parseKey: typeof Ssh2.utils.parseKey };

export type { Client as SshClient, ClientChannel, ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
