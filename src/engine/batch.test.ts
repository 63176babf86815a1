import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Batch } from './batch.js';

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
    const sections = batch.parse(runLocally(batch.probeScript(['echo first', probe, 'echo last'])));
    expect(sections.get(0)).toEqual({ output: 'first\n', code: 0 });
    expect(sections.get(1)).toEqual({ output: expected, code: 0 });
    expect(sections.get(2)).toEqual({ output: 'last\n', code: 0 });
  });

  it('records a failing probe and still runs the others', () => {
    const batch = new Batch();
    const sections = batch.parse(runLocally(batch.probeScript(['exit 3', 'echo after'])));
    expect(sections.get(0)?.code).toBe(3);
    expect(sections.get(1)).toEqual({ output: 'after\n', code: 0 });
  });
});

describe('Batch apply script', () => {
  it('merges stderr into the step output and stops at the first failing step', () => {
    const batch = new Batch();
    const sections = batch.parse(runLocally(batch.applyScript(['echo out; echo err >&2', 'echo partial; false; echo not-reached', 'echo never'])));
    expect(sections.get(0)).toEqual({ output: 'out\nerr\n', code: 0 });
    expect(sections.get(1)).toEqual({ output: 'partial\n', code: 1 });
    expect(sections.has(2)).toBe(false);
  });

  it('streams: sections end as their output arrives in arbitrary chunks', () => {
    const batch = new Batch();
    const text = runLocally(batch.applyScript(['echo one', 'echo two']));
    const events: string[] = [];
    const parser = batch.streamParser(
      (i) => events.push(`begin ${i}`),
      (i, r) => events.push(`end ${i} ${r.code} ${JSON.stringify(r.output)}`),
    );
    for (let i = 0; i < text.length; i += 7) parser.push(text.slice(i, i + 7));
    expect(events).toEqual(['begin 0', 'end 0 0 "one\\n"', 'begin 1', 'end 1 0 "two\\n"']);
  });
});
