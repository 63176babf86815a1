import { connectLocal } from './local.js';
import { connect as connectSsh } from './ssh.js';
import type { ConnectOptions, ConnectTarget, Connection } from './types.js';

/** Opens the transport a target names (SSH, or local for `ansible_connection: local`): callers never need to know which. */
export function openConnection(target: ConnectTarget, options: ConnectOptions): Promise<Connection> {
  return target.type === 'local' ? connectLocal(target) : connectSsh(target, options);
}
