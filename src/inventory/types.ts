import type { SourcePosition } from '../errors.js';
import type { Secret } from '../secrets.js';
import type { GroupTree } from './model.js';
import type { NumberMark } from '../template/number-marks.js';

/** How to reach a host, resolved from its merged variables. */
export interface HostConnection {
  /** `ssh` (default), or `local`: run on the control node itself (`ansible_connection: local`). */
  type: 'ssh' | 'local';
  /** Host name or IP address to connect to (`address`/`ansible_host`; default: the inventory host name). */
  address: string;
  /** SSH port (`port`/`ansible_port`) when the inventory sets it; else the transport's default (~/.ssh/config, then 22). */
  port?: number;
  /** Remote login user (`user`/`ansible_user`); unset means the SSH default (~/.ssh/config, then the local user). */
  user?: string;
  /** Whether to run commands through sudo (`become`/`ansible_become`; default false). */
  become: boolean;
  /** Absolute path of the private key (`ssh_private_key_file`/`ansible_ssh_private_key_file`). */
  privateKeyFile?: string;
  /** Absolute path of the known_hosts file to verify the host key against (`ssh_known_hosts_file`). */
  knownHostsFile?: string;
  /** `ansible_ssh_host_key_checking`, else `ansible_host_key_checking`, when set: true refuses unknown host keys, false trusts and records them (a changed one is still refused); beats ansible.cfg and --accept-new-host-keys. */
  hostKeyChecking?: boolean;
  /** `ansible_ssh_timeout`, else `ansible_timeout`, when set: seconds to wait for the connection; beats ansible.cfg and --timeout. */
  timeoutSeconds?: number;
  /** The user to become (`become_user`/`ansible_become_user`; default root). */
  becomeUser?: string;
  /** sudo's password (`become_password`/`ansible_become_password`); without it sudo must not ask. */
  becomePassword?: Secret;
  /** Jump host, `[user@]host[:port]`, from `ssh_args`, `ssh_common_args` or `ssh_extra_args` (`-J`, ProxyJump, ProxyCommand `ssh -W`; the first wins, as in ssh). */
  jump?: string;
}

/** A role named in the inventory, with where it was named so a missing role can be reported there. */
export interface RoleRef {
  /** Role name: the directory `roles/<name>/`. */
  name: string;
  /** Where the name is written in the inventory. */
  position: SourcePosition;
}

/** One host with everything resolved: connection, groups, roles and variables. */
export interface InventoryHost {
  /** Inventory host name. */
  name: string;
  /** How to reach it. */
  connection: HostConnection;
  /** Every group it belongs to, 'all' first, in variable precedence order (lowest first). */
  groups: string[];
  /** Union of its groups' roles in precedence order, first occurrence kept. */
  roles: RoleRef[];
  /** Merged variables (connection variables under their canonical names, with the values the connection uses, and under the Ansible names written, each its own); Secret instances kept as they are. */
  vars: Record<string, unknown>;
  /** Where the value of each variable the inventory or -e sets for it is written (the definition that won); absent for a host not read from an inventory. */
  varOrigins?: Record<string, VarOrigin>;
  /** Its variables as Ansible merges them, under the names as written and unread (what `provision inventory --host` prints). */
  ansibleVars?: Record<string, unknown>;
}

/** Where a variable's value is written, so a problem with the value can be reported there. */
export interface VarOrigin {
  /** Dotted path for messages: `all.vars.domain`, or `-e domain` on the command line. */
  path: string;
  /** Where its value is written (none on the command line). */
  position?: SourcePosition;
  /** Directory relative paths in it are read against. */
  baseDir?: string;
  /** Which of it is an Ansible `!unsafe` value, used as written and never rendered as a template. */
  literal?: LiteralMark;
  /** Where its value holds numbers variables cannot hold as Python does (see template/number-marks.ts): Jinja2 computes with them. */
  numbers?: NumberMark;
}

/**
 * Where a value holds Ansible `!unsafe` text: `true` for all of it (an `!unsafe`
 * string, list or mapping), else the list items (by index) and mapping keys that do.
 */
export type LiteralMark = true | { readonly [keyOrIndex: string]: LiteralMark };

/** A loaded and validated inventory. */
export interface Inventory {
  /** The (first) inventory source as the user named it. */
  file: string;
  /** Absolute directory of the first inventory source (relative paths in it are resolved against it). */
  dir: string;
  /** Every inventory source as the user named it, in order. */
  sources: string[];
  /** The groups as Ansible builds them (children and direct hosts in order), for `provision inventory`. */
  tree: GroupTree;
  /** Every host, in order of first appearance in the file. */
  hosts: InventoryHost[];
  /** Group name → names of the hosts in it or in its descendants (inventory order); includes 'all' and empty groups. */
  groups: Record<string, string[]>;
  /** What was skipped as Ansible skips it (with a warning), to be said on stderr. */
  warnings?: string[];
  /** What the operator should know about where variables came from, to be said on stderr. */
  notes?: string[];
  /** Vault-encrypted vars files no password given opens, with what to pass: their variables are missing until then (a host using one fails when reached). */
  lockedVarsFiles?: { file: string; problem: string }[];
}
