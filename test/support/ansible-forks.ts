/**
 * ansible-inventory as an oracle, without paying Ansible's import at each call
 * (about 0.6 s of CPU, nine tenths of a call): ansible-forks.py imports it
 * once per environment and directory, and runs each call in a fork of itself,
 * as `ansible-inventory ARGS` runs. The Python is the one the installed
 * ansible-inventory names on its #! line.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const FORKS = fileURLToPath(new URL('./ansible-forks.py', import.meta.url));

interface Reply {
  code: number;
  stdout: string;
  stderr: string;
}

/** One Python process that imported Ansible: calls in order, one reply each. */
interface Forker {
  child: ChildProcessWithoutNullStreams;
  waiting: Array<(reply: Reply) => void>;
}

/** The installed ansible-inventory and the interpreter its #! line names. */
function program(): { script: string; python: string } {
  const script = execFileSync('sh', ['-c', 'command -v ansible-inventory'], { encoding: 'utf8' }).trim();
  const python = /^#!\s*(\S+)/.exec(readFileSync(script, 'utf8'))?.[1];
  if (!python) throw new Error(`${script} names no interpreter on its first line`);
  return { script, python };
}

/** Runs ansible-inventory calls; close() ends the Python processes. */
export function ansibleInventoryForks() {
  const forkers = new Map<string, Forker>();
  let installed: { script: string; python: string } | undefined;

  function forker(cwd: string, env: NodeJS.ProcessEnv): Forker {
    const key = JSON.stringify([cwd, Object.entries(env).sort()]);
    const known = forkers.get(key);
    if (known) return known;
    installed ??= program();
    const child = spawn(installed.python, [FORKS, installed.script], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const made: Forker = { child, waiting: [] };
    let said = '';
    child.stderr.on('data', (d: Buffer) => (said += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => made.waiting.shift()?.(JSON.parse(line) as Reply));
    child.on('close', (code) => {
      for (const answer of made.waiting.splice(0)) answer({ code: code ?? 1, stdout: '', stderr: `ansible-forks.py ended: ${said}` });
    });
    forkers.set(key, made);
    return made;
  }

  return {
    /** ansible-inventory's stdout; rejects with its stderr when it exits other than 0 (as execFile does). */
    run(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<string> {
      const { child, waiting } = forker(options.cwd, options.env);
      return new Promise((resolve, reject) => {
        waiting.push((reply) => (reply.code === 0 ? resolve(reply.stdout) : reject(new Error(`ansible-inventory ${args.join(' ')} exited ${reply.code}:\n${reply.stderr}`))));
        child.stdin.write(`${JSON.stringify({ args })}\n`);
      });
    },
    close(): void {
      for (const { child } of forkers.values()) child.stdin.end();
      forkers.clear();
    },
  };
}
