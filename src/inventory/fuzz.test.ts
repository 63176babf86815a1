import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { fixtureDir, tempFile } from '../../test/fixtures/inventory/fixtures.js';
import { loadInventory } from './load.js';

const SITE = readFileSync(path.join(fixtureDir('good'), 'site.yaml'), 'utf8');
const ENV = { SUMO_ACCESS_ID: 'id-1', SUMO_ACCESS_KEY: 'key-1', DB_PASSWORD: 'pw-1' };
const RUNS = 300;
// Characters that mean something to YAML or to the inventory schema.
const NOISE = [' ', '  ', '\t', '\n', ':', '-', '{', '}', '[', ']', ',', '&a', '*a', '!', '#', '"', "'", '|', '>', '?', '0', 'x'];

/** mulberry32: a small seeded generator, so a failing mutation can be replayed from its run number. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = (text: string, pick: (n: number) => number) => string;

const MUTATIONS: Mutation[] = [
  // delete a few characters
  (text, pick) => {
    const at = pick(text.length);
    return text.slice(0, at) + text.slice(at + 1 + pick(3));
  },
  // duplicate a stretch
  (text, pick) => {
    const at = pick(text.length);
    const stretch = text.slice(at, at + 1 + pick(12));
    return text.slice(0, at) + stretch + text.slice(at);
  },
  // insert a YAML-significant character
  (text, pick) => {
    const at = pick(text.length);
    return text.slice(0, at) + NOISE[pick(NOISE.length)] + text.slice(at);
  },
  // re-indent one line at random
  (text, pick) => {
    const lines = text.split('\n');
    const i = pick(lines.length);
    lines[i] = ' '.repeat(pick(12)) + lines[i]!.trimStart();
    return lines.join('\n');
  },
  // turn a line's indentation into tabs
  (text, pick) => {
    const lines = text.split('\n');
    const i = pick(lines.length);
    lines[i] = lines[i]!.replace(/^ +/, (spaces) => '\t'.repeat(Math.max(1, spaces.length / 2)));
    return lines.join('\n');
  },
];

describe('loadInventory on mutated inventories', () => {
  it(`returns or throws a positioned UserError, nothing else (${RUNS} runs)`, () => {
    const outcomes = { loaded: 0, rejected: 0 };
    for (let run = 0; run < RUNS; run++) {
      const next = random(run);
      const pick = (n: number) => Math.floor(next() * n);
      let text = SITE;
      for (let i = 0, count = 1 + pick(4); i < count; i++) text = MUTATIONS[pick(MUTATIONS.length)]!(text, pick);
      const file = tempFile(text);
      try {
        loadInventory(file, { env: ENV });
        outcomes.loaded++;
      } catch (err) {
        if (!(err instanceof UserError)) throw new Error(`run ${run}: ${String(err)}\n--- input ---\n${text}`, { cause: err });
        // Every problem in a file is reported at file:line:col.
        for (const line of err.format().split('\n')) expect(line, `run ${run}`).toMatch(new RegExp(`^${escape(file)}:\\d+:\\d+: \\S`));
        outcomes.rejected++;
      }
    }
    // The mutations must exercise both paths, or the test proves little.
    expect(outcomes.loaded).toBeGreaterThan(10);
    expect(outcomes.rejected).toBeGreaterThan(100);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
