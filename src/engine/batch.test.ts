import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { phase } from '../resources/shared/script.js';
import { Batch } from './batch.js';
import { userText } from '../shell/quote.js';

const runLocally = (script: string): string => execFileSync('sh', ['-s'], { input: script }).toString();

describe('Batch probe script', () => {
  it.each([
    ['a line with newline', 'echo hello', 'hello\n'],
    ['no trailing newline', "printf 'x'", 'x'],
    ['blank lines kept', 'echo a; echo; echo b; echo', 'a\n\nb\n\n'],
    ['empty output', 'true', ''],
    ['a fake marker with the wrong nonce stays output', "echo '@@provision-000000000000 end 0 0'", '@@provision-000000000000 end 0 0\n'],
  ])('%s', (_, probe, expected) => {
    const batch = new Batch();
    const sections = batch.parse(runLocally(batch.probeScript([userText('echo first'), userText(probe), userText('echo last')])));
    expect(sections.get(0)).toEqual({ output: 'first\n', code: 0 });
    expect(sections.get(1)).toEqual({ output: expected, code: 0 });
    expect(sections.get(2)).toEqual({ output: 'last\n', code: 0 });
  });

  it('records a failing probe and still runs the others', () => {
    const batch = new Batch();
    const sections = batch.parse(runLocally(batch.probeScript([userText('exit 3'), userText('echo after')])));
    expect(sections.get(0)?.code).toBe(3);
    expect(sections.get(1)).toEqual({ output: 'after\n', code: 0 });
  });
});

describe('Batch probe script, inline sections', () => {
  // The pid of the process running the shell text (read by the shell itself from /proc) against the batch shell's $$.
  const whichProcess = userText('read -r pid rest </proc/self/stat; if [ "$pid" = "$$" ]; then echo batch shell; else echo own process; fi');

  it('runs an inline section in the batch shell itself, with its output and status as its section', () => {
    const batch = new Batch();
    const sections = batch.parse(runLocally(batch.probeScript([whichProcess, { inline: whichProcess }, { inline: userText('echo inline; false') }, userText('echo last')])));
    expect([0, 1, 2, 3].map((i) => sections.get(i))).toEqual([
      { output: 'own process\n', code: 0 },
      { output: 'batch shell\n', code: 0 },
      { output: 'inline\n', code: 1 },
      { output: 'last\n', code: 0 },
    ]);
  });
});

describe('Batch probe script, a section that reads the reply', () => {
  /** Runs the script with `reply` sent on stdin after it once the sections before the last one ended (as RunScriptOptions.reply). */
  const ask = (batch: Batch, probes: Parameters<Batch['probeScript']>[0], reply: string | undefined): Promise<string> =>
    new Promise((resolve) => {
      const child = spawn('sh', ['-s']);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (reply !== undefined && out.includes(`${batch.beginLine(probes.length - 1)}\n`)) child.stdin!.end(reply);
      });
      child.on('close', () => resolve(out));
      child.stdin!.write(batch.probeScript(probes));
      if (reply === undefined) child.stdin!.end();
    });
  const question = { reply: userText('if IFS= read -r answer; then echo "answered $answer"; else echo unanswered; fi') };
  // A probe that reads stdin gets nothing: the script and the answer are not its to read.
  const greedy = userText('cat; echo greedy done');

  it.each([
    ['answered', 'yes\n', 'answered yes\n'],
    ['no answer: stdin closed after the script', undefined, 'unanswered\n'],
  ])('%s', async (_, reply, expected) => {
    const batch = new Batch();
    const sections = batch.parse(await ask(batch, [greedy, { inline: greedy }, question], reply));
    expect([0, 1, 2].map((i) => sections.get(i))).toEqual([
      { output: 'greedy done\n', code: 0 },
      { output: 'greedy done\n', code: 0 },
      { output: expected, code: 0 },
    ]);
  });
});

describe('Batch apply script, the notes of the last success (record)', () => {
  it.each<[string, string[], boolean, { noted: boolean; lastApply: boolean; applied: boolean }]>([
    ['the run\'s last call, every step succeeded: noted', ['true'], true, { noted: true, lastApply: true, applied: true }],
    ['another call follows: not noted', ['true'], false, { noted: false, lastApply: false, applied: true }],
    ['a step failed', ['true', 'false'], true, { noted: false, lastApply: false, applied: true }],
    ['a step found its decision stale (a round that decides it again follows)', ['provision_stale', 'true'], true, { noted: false, lastApply: false, applied: true }],
  ])('%s', (_, steps, note, expected) => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-notes-'));
    const state = join(dir, 'state');
    // An earlier success: removed before the first step, kept as the marker that the host was applied.
    execFileSync('sh', ['-c', `mkdir -p "${state}" && : > "${state}/last-apply"`]);
    const batch = new Batch(join(dir, 'lock'), 10);
    const stdout = runLocally(batch.applyScript(steps.map((step) => userText(step)), undefined, { dir: state, note }));
    expect({ noted: batch.noted(stdout), lastApply: existsSync(join(state, 'last-apply')), applied: existsSync(join(state, 'applied')) }).toEqual(expected);
  });
});

describe('Batch apply script', () => {
  it('merges stderr into the step output and stops at the first failing step', () => {
    const batch = new Batch();
    const sections = batch.parse(runLocally(batch.applyScript([userText('echo out; echo err >&2'), userText('echo partial; false; echo not-reached'), userText('echo never')])));
    expect(sections.get(0)).toEqual({ output: 'out\nerr\n', code: 0 });
    expect(sections.get(1)).toEqual({ output: 'partial\n', code: 1 });
    expect(sections.has(2)).toBe(false);
  });

  it('leaves the stderr of a step that keeps it apart on the batch stderr, merging the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-batch-'));
    const batch = new Batch(join(dir, 'lock'));
    const r = spawnSync('sh', ['-s'], { input: batch.applyScript([{ script: userText('echo out; echo err >&2'), stderr: 'apart' }, userText('echo out2; echo err2 >&2')]), encoding: 'utf8' });
    const sections = batch.parse(r.stdout);
    expect(sections.get(0)).toEqual({ output: 'out\n', code: 0 });
    expect(sections.get(1)).toEqual({ output: 'out2\nerr2\n', code: 0 });
    expect(r.stderr).toBe('err\n');
  });

  it('a step that finds nothing to do says so; a handler runs only when a step it follows changed something', () => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-batch-'));
    const batch = new Batch(join(dir, 'lock'));
    const sections = batch.parse(
      runLocally(
        batch.applyScript([
          userText('echo a'),
          userText('provision_unchanged'),
          { script: userText('echo handler of the unchanged step'), after: [1] },
          { script: userText('echo handler of the changed step'), after: [0, 1] },
        ]),
      ),
    );
    expect(sections.get(0)).toEqual({ output: 'a\n', code: 0 });
    expect(sections.get(1)).toEqual({ output: '', code: 0, outcome: 'unchanged' });
    expect(sections.get(2)).toEqual({ output: '', code: 0, outcome: 'idle' });
    expect(sections.get(3)).toEqual({ output: 'handler of the changed step\n', code: 0 });
    // Its note is removed with the batch.
    expect(readdirSync(dir).filter((f) => f.includes('unchanged'))).toEqual([]);
  });

  it('streams: sections end as their output arrives in arbitrary chunks', () => {
    const batch = new Batch();
    const text = runLocally(batch.applyScript([userText('echo one'), userText('echo two')]));
    const events: string[] = [];
    const parser = batch.streamParser(
      (i) => events.push(`begin ${i}`),
      (i, r) => events.push(`end ${i} ${r.code} ${JSON.stringify(r.output)}`),
    );
    for (let i = 0; i < text.length; i += 7) parser.push(text.slice(i, i + 7));
    expect(events).toEqual(['begin 0', 'end 0 0 "one\\n"', 'begin 1', 'end 1 0 "two\\n"']);
  });

  it.each([
    ['a step naming its phases', [`echo a\n${phase('apt-update')}\necho b\n${phase('install')}\necho c`], ['begin 0', 'phase 0 apt-update', 'phase 0 install', 'end 0 "a\\nb\\nc\\n"']],
    ['a step naming none', ['echo a'], ['begin 0', 'end 0 "a\\n"']],
  ])('timing: %s (the phase lines are not part of its output)', (_, steps, expected) => {
    const batch = new Batch();
    const events: string[] = [];
    const parser = batch.streamParser(
      (i) => events.push(`begin ${i}`),
      (i, r) => events.push(`end ${i} ${JSON.stringify(r.output)}`),
      (i, name) => events.push(`phase ${i} ${name}`),
    );
    parser.push(runLocally(batch.applyScript(steps.map((s) => userText(s)))));
    expect(events).toEqual(expected);
  });

  it('naming a phase outside an apply script does nothing', () => {
    expect(runLocally(`${phase('install')}\necho done`)).toBe('done\n');
  });
});

describe('the host lock of apply scripts', () => {
  const lockIn = (): { dir: string; lock: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'provision-lock-'));
    return { dir, lock: join(dir, 'lock') };
  };
  /** Whether the lock is free now (flock -n takes it). */
  const free = (lock: string): boolean => spawnSync('flock', ['-n', lock, 'true']).status === 0;
  /** Starts an apply script holding the lock while its one step sleeps; resolves once it holds it. */
  const holder = async (lock: string): Promise<ChildProcess> => {
    const child = spawn('sh', ['-s'], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin!.end(new Batch(lock, 10).applyScript([userText('sleep 5')]));
    while (!(existsSync(lock) && readFileSync(lock, 'utf8').startsWith('pid '))) await new Promise((r) => setTimeout(r, 20));
    return child;
  };

  it('is released when the script ends, also after a failing step', () => {
    const { lock } = lockIn();
    const batch = new Batch(lock, 2);
    runLocally(batch.applyScript([userText('true')]));
    expect(free(lock)).toBe(true);
    runLocally(batch.applyScript([userText('false')]));
    expect(free(lock)).toBe(true);
  });

  it('is released when the shell is killed, even while its step still runs (no stale lock)', async () => {
    const { lock } = lockIn();
    const child = await holder(lock);
    expect(free(lock)).toBe(false);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(free(lock)).toBe(true);
  });

  it('makes a second run wait for the first, never interleaving their steps', async () => {
    const { dir, lock } = lockIn();
    const log = join(dir, 'log');
    const step = (name: string): string => `echo "${name} start" >> ${log}; sleep 0.5; echo "${name} end" >> ${log}`;
    const run = (name: string): Promise<void> =>
      new Promise((resolve) => {
        const child = spawn('sh', ['-s']);
        child.on('close', () => resolve());
        child.stdin.end(new Batch(lock, 10).applyScript([userText(step(name))]));
      });
    await Promise.all([run('a'), run('b')]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]!.split(' ')[0]).toBe(lines[1]!.split(' ')[0]);
  });

  it('a stop request lets the running step finish, starts no other, and leaves no stop file', () => {
    const { dir, lock } = lockIn();
    const batch = new Batch(lock, 2);
    // The stop arrives while step 0 runs (here: step 0 sends it itself).
    const sections = batch.parse(runLocally(batch.applyScript([userText(`${batch.stopScript()}\necho zero`), userText('echo one')])));
    expect([...sections]).toEqual([[0, { output: 'zero\n', code: 0 }]]);
    expect(readdirSync(dir)).toEqual(['lock']);
    expect(free(lock)).toBe(true);
  });

  it('a stop request that lands before the lock is taken (Ctrl-C while waiting for another run) starts no step', () => {
    const { dir, lock } = lockIn();
    const batch = new Batch(lock, 2);
    runLocally(batch.stopScript());
    expect(batch.parse(runLocally(batch.applyScript([userText('echo zero'), userText('echo one')]))).size).toBe(0);
    expect(readdirSync(dir)).toEqual(['lock']);
  });

  it('a stop request for another batch changes nothing; stale stop files go when the next batch takes the lock', () => {
    const { dir, lock } = lockIn();
    const other = new Batch(lock, 2);
    const batch = new Batch(lock, 2);
    const sections = batch.parse(runLocally(batch.applyScript([userText(`${other.stopScript()}\necho zero`), userText('echo one')])));
    expect([...sections.keys()]).toEqual([0, 1]);
    runLocally(batch.stopScript());
    expect(readdirSync(dir).length).toBe(3);
    runLocally(new Batch(lock, 2).applyScript([userText('true')]));
    expect(readdirSync(dir)).toEqual(['lock']);
  });

  it("a batch whose shell was killed (SIGKILL: no EXIT trap) leaves files that go when the next batch takes the lock", () => {
    const { dir, lock } = lockIn();
    const killed = new Batch(lock, 2);
    // Killed after a step that found nothing to do, with a stop request on its way.
    expect(spawnSync('sh', ['-s'], { input: killed.applyScript([userText('provision_unchanged; kill -KILL $$')]) }).signal).toBe('SIGKILL');
    runLocally(killed.stopScript());
    expect(readdirSync(dir).length).toBe(3);
    runLocally(new Batch(lock, 2).applyScript([userText('true')]));
    expect(readdirSync(dir)).toEqual(['lock']);
  });

  it('gives up after the wait with exit 75 and says who holds it', async () => {
    const { lock } = lockIn();
    const child = await holder(lock);
    try {
      const r = spawnSync('sh', ['-s'], { input: new Batch(lock, 1).applyScript([userText('echo never')]) });
      expect(r.status).toBe(75);
      expect(r.stderr.toString()).toMatch(/^another provision run is changing this host \(lock .*\/lock held by pid \d+ since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\); gave up after 1 s\n$/);
      expect(r.stdout.toString()).not.toContain('never');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
