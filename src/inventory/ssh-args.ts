/**
 * The part of `ansible_ssh_common_args` provision honours: the jump host, as
 * `-J HOST`, `-o ProxyJump=HOST` or the classic `-o ProxyCommand="ssh -W %h:%p
 * [-p PORT] [-i KEY] [USER@]HOST"`. Other ssh options tune OpenSSH's client and
 * do not apply (provision verifies host keys itself, always). Pure.
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
    if (word === '-J') jump = words[++i];
    else if (word.startsWith('-J')) jump = word.slice(2);
    else if (word === '-o' || word.startsWith('-o')) {
      const option = word === '-o' ? (words[++i] ?? '') : word.slice(2);
      const m = /^(\w+)\s*[= ]\s*(.*)$/s.exec(option);
      if (!m) continue;
      const key = m[1]!.toLowerCase();
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
