/**
 * The part of `ansible_ssh_common_args` and `ansible_ssh_extra_args` provision
 * honours: the jump host, as `-J HOST`, `-o ProxyJump=HOST` or the classic
 * `-o ProxyCommand="ssh -W %h:%p [-p PORT] [-i KEY] [USER@]HOST"`. Options that
 * would reach another host, port, user or key (`-p`, `-l`, `-i`, `-F`,
 * `-o Port=...`) are refused, as provision would not follow them: their
 * connection variables say it. Other ssh options tune OpenSSH's client and do
 * not apply (provision verifies host keys itself, always). Pure.
 */
import { shellWords } from './ini-inventory.js';

/** The jump host the options name (`[user@]host[:port]`), or why they cannot be followed. */
export function proxyFromSshArgs(args: string): { jump?: string } | { problem: string } {
  let words: string[];
  try {
    words = shellWords(args).map((w) => w.text);
  } catch {
    return { problem: 'expected ssh options with balanced quotes' };
  }
  let jump: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const flag = DESTINATION_FLAGS.get(word.slice(0, 2));
    if (flag) return { problem: `${word.slice(0, 2)} is not followed: ${flag}` };
    if (word === '-J') jump = words[++i];
    else if (word.startsWith('-J')) jump = word.slice(2);
    else if (word === '-o' || word.startsWith('-o')) {
      const option = word === '-o' ? (words[++i] ?? '') : word.slice(2);
      const m = /^(\w+)\s*[= ]\s*(.*)$/s.exec(option);
      if (!m) continue;
      const key = m[1]!.toLowerCase();
      const instead = DESTINATION_OPTIONS.get(key);
      if (instead) return { problem: `-o ${m[1]} is not followed: ${instead}` };
      if (key === 'proxyjump') jump = m[2]!.trim();
      if (key === 'proxycommand') {
        const proxy = jumpOfProxyCommand(m[2]!);
        if ('problem' in proxy) return proxy;
        jump = proxy.jump;
      }
    }
  }
  if (jump !== undefined && (jump === '' || jump.includes(','))) return { problem: 'expected one jump host ([user@]host[:port]); chains of jump hosts are not supported' };
  return jump === undefined ? {} : { jump };
}

// ssh options that change where or as whom the connection goes, which provision would silently not do: what to write instead.
const SET_PORT = 'set the port with ansible_port';
const SET_USER = 'set the user with ansible_user';
const SET_KEY = 'set the key with ansible_ssh_private_key_file';
const DESTINATION_FLAGS = new Map([
  ['-p', SET_PORT],
  ['-l', SET_USER],
  ['-i', SET_KEY],
  ['-F', 'provision reads ~/.ssh/config only: set the connection variables instead'],
]);
const DESTINATION_OPTIONS = new Map([
  ['port', SET_PORT],
  ['user', SET_USER],
  ['identityfile', SET_KEY],
  ['hostname', 'set the address with ansible_host'],
]);

function jumpOfProxyCommand(command: string): { jump: string } | { problem: string } {
  const words = shellWords(command.trim()).map((w) => w.text);
  const unsupported = { problem: "expected ProxyCommand in the form 'ssh -W %h:%p [-p PORT] [USER@]HOST' (other proxy commands are not supported: use ProxyJump)" };
  if (words[0] !== 'ssh' || !words.includes('-W')) return unsupported;
  let port: string | undefined;
  let user: string | undefined;
  let host: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (word === '-W' || word === '-i' || word === '-o' || word === '-F') i++;
    else if (word === '-p') port = words[++i];
    else if (word === '-l') user = words[++i];
    else if (word.startsWith('-')) continue;
    else host = word;
  }
  if (!host) return unsupported;
  const withUser = user && !host.includes('@') ? `${user}@${host}` : host;
  return { jump: port ? `${withUser}:${port}` : withUser };
}
