import { describe, expect, it } from 'vitest';
import { tempFile, userErrorOf } from '../../test/fixtures/inventory/fixtures.js';
import { parseExtraVars } from './extra-vars.js';

const EXPECTED = 'expected key=value pairs, a YAML or JSON mapping, or @file.yaml';

describe('parseExtraVars', () => {
  const varsFile = tempFile('app_port: 3000\nfeatures: [tls]\ntoken: { secret: TOKEN }\n', 'vars.yaml');

  it.each([
    [['a=1'], { a: '1' }],
    [['a=1 b=two  c='], { a: '1', b: 'two', c: '' }],
    [[`msg="hello \\"world\\"" path='/a b'`], { msg: 'hello "world"', path: '/a b' }],
    [['url=http://x/?a=b'], { url: 'http://x/?a=b' }],
    [['a=1', 'a=2 b=3'], { a: '2', b: '3' }],
    [['{"port": 2222, "list": [1, 2]}'], { port: 2222, list: [1, 2] }],
    [['port: 2222\nbecome: true'], { port: 2222, become: true }],
    [['{}'], {}],
    [[`@${varsFile}`], { app_port: 3000, features: ['tls'], token: { secret: 'TOKEN' } }],
    [[`@${varsFile}`, 'app_port=8080'], { app_port: '8080', features: ['tls'], token: { secret: 'TOKEN' } }],
    [[], {}],
  ])('%j', (values, expected) => {
    expect(parseExtraVars(values)).toEqual(expected);
  });

  it.each([
    [['a=1 b'], `-e value 1, word 2: not key=value: ${EXPECTED} (quote values that hold spaces)`],
    [['a=1', 'x=a"b'], `-e value 2, word 1: not key=value: ${EXPECTED} (quote values that hold spaces)`],
    [['   '], `-e value 1 is empty: ${EXPECTED}`],
    [['hunter2'], `-e value 1: ${EXPECTED}, got a plain string`],
    [['[1, 2]'], `-e value 1: ${EXPECTED}, got a list`],
    [['@nope/vars.yaml'], "extra vars file 'nope/vars.yaml' not found"],
    [['{a: [}'], '-e:1:6: list [ not closed: expected a closing ]'],
  ])('rejects %j', (values, message) => {
    expect(userErrorOf(() => parseExtraVars(values)).format()).toBe(message);
  });

  it('reports a YAML error in a vars file at its position', () => {
    const file = tempFile('a: 1\na: 2\n', 'dup.yaml');
    expect(userErrorOf(() => parseExtraVars([`@${file}`])).format()).toBe(
      `${file}:2:1: duplicate key 'a': expected each key once in a mapping (merge the two entries)`,
    );
  });

  it('rejects a vars file that is not a mapping', () => {
    const file = tempFile('- a\n', 'list.yaml');
    expect(userErrorOf(() => parseExtraVars([`@${file}`])).format()).toBe(`extra vars file '${file}': ${EXPECTED}, got a list`);
  });
});
