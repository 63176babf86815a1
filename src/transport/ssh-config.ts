import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { globMatches } from './known-hosts.js';
import { UserError } from '../errors.js';
import type { JumpTarget } from './types.js';

/** The ~/.ssh/config settings provision honours for one host. */
export interface SshHostConfig {
  /** Real host name (HostName), if the config renames the alias. */
  hostName?: string;
  /** User. */
  user?: string;
  /** Port. */
  port?: number;
  /** IdentityFile entries, `~` expanded, in order. */
  identityFiles: string[];
  /** UserKnownHostsFile, `~` expanded. */
  knownHostsFile?: string;
  /** ProxyJump: the one jump host to go through (`none` and chains are not followed). */
  proxyJump?: JumpTarget;
}

interface Block {
  patterns: string[];
  settings: Array<[string, string]>;
}

/** Parses ssh_config text into Host blocks (settings before the first Host apply to all; Match blocks are skipped). */
export function parseSshConfig(text: string): Block[] {
  const blocks: Block[] = [{ patterns: ['*'], settings: [] }];
  let current: Block | undefined = blocks[0];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim().replace(/^"(.*)"$/, '$1');
    if (key === 'host') {
      current = { patterns: value.split(/\s+/), settings: [] };
      blocks.push(current);
    } else if (key === 'match') {
      current = undefined;
    } else if (current) {
      current.settings.push([key, value]);
    }
  }
  return blocks;
}

/** Resolves the settings for `alias`: for each key the first value found wins, as in OpenSSH. */
export function resolveSshConfig(blocks: Block[], alias: string, home = homedir()): SshHostConfig {
  const first = new Map<string, string>();
  const identityFiles: string[] = [];
  for (const block of blocks) {
    if (!hostMatches(block.patterns, alias)) continue;
    for (const [key, value] of block.settings) {
      if (key === 'identityfile') identityFiles.push(expandHome(value, home));
      else if (!first.has(key)) first.set(key, value);
    }
  }
  const port = first.get('port');
  const knownHosts = first.get('userknownhostsfile')?.split(/\s+/)[0];
  const jump = first.get('proxyjump');
  return {
    ...(jump && jump !== 'none' && !jump.includes(',') ? { proxyJump: parseJump(jump) } : {}),
    hostName: first.get('hostname')?.replace(/%h/g, alias),
    user: first.get('user'),
    port: port ? portNumber(port, alias) : undefined,
    identityFiles,
    knownHostsFile: knownHosts ? expandHome(knownHosts, home) : undefined,
  };
}

/** A Port value as a number; anything but 1-65535 is an error (it would reach the connection and the firewall's SSH rule). */
function portNumber(value: string, alias: string): number {
  if (/^[0-9]{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 65535) return Number(value);
  throw new UserError(`~/.ssh/config: Port ${JSON.stringify(value)} (for host ${alias}) is not a port number: expected a whole number from 1 to 65535`);
}

function hostMatches(patterns: string[], alias: string): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globMatches(p.slice(1), alias)) return false;
    } else if (globMatches(p, alias)) {
      matched = true;
    }
  }
  return matched;
}

function expandHome(path: string, home: string): string {
  return path.startsWith('~/') ? `${home}${path.slice(1)}` : path;
}

/** The user's ~/.ssh/config text, if there is one. */
export function userSshConfigText(home = homedir()): string | undefined {
  const file = join(home, '.ssh', 'config');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** The Port ~/.ssh/config sets for a host alias or address, if any: what a connection uses when the inventory sets none. */
export function sshConfigPort(alias: string, configText = userSshConfigText()): number | undefined {
  return resolveSshConfig(parseSshConfig(configText ?? ''), alias).port;
}

/** A ProxyJump value, `[user@]host[:port]`, as a jump target. */
export function parseJump(spec: string): JumpTarget {
  const m = /^(?:(.+)@)?\[?([^\]@]+?)\]?(?::(\d+))?$/.exec(spec.trim());
  if (!m) return { address: spec.trim() };
  return { address: m[2]!, ...(m[1] ? { user: m[1] } : {}), ...(m[3] ? { port: Number(m[3]) } : {}) };
}
