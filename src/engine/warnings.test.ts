import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { file, type FileCurrent } from '../resources/file/index.js';
import { ABSENT, type PathState } from '../resources/shared/path-state.js';
import type { Warning } from '../roles/load.js';
import { warningOf } from './warnings.js';

const PATH = '/etc/nginx/sites-enabled/site.conf';
const TLS = 'listen 443 ssl;\nssl_certificate /c;\n';
const PLAIN = 'listen 80;\n';
const regular: PathState = { type: 'file', mode: '0644', owner: 'root', uid: '0', group: 'root', gid: '0', size: 10 };
const inPlace = (content: string): FileCurrent => ({ stat: regular, sha256: createHash('sha256').update(content).digest('hex'), content });

/** What the engine says before the site file is made `wanted` from `current`, with the declaration's `warn`. */
function said(warn: Warning | undefined, wanted: string, current: FileCurrent): string | undefined {
  const desired = file.validate({ path: PATH, content: wanted });
  const planned = { role: 'web', type: file, desired, label: 'site', notify: [], position: { file: 'role.yaml', line: 1, col: 1 }, ...(warn ? { warn } : {}) };
  return warningOf({ planned, current, changes: file.decide(desired, current).changes });
}

describe('the warning said before a change (warn:)', () => {
  const flip: Warning = { text: 'TLS flips', toggles: 'ssl_certificate' };
  it.each<[string, Warning | undefined, string, FileCurrent, string | undefined]>([
    ['no warn', undefined, TLS, inPlace(PLAIN), undefined],
    ['warn: TEXT, a change', { text: 'careful' }, TLS, inPlace(`${TLS}#\n`), 'warning: site: careful'],
    ['warn: TEXT, in state', { text: 'careful' }, TLS, inPlace(TLS), undefined],
    ['toggles: the text appears', flip, TLS, inPlace(PLAIN), 'warning: site: TLS flips'],
    ['toggles: the text vanishes', flip, PLAIN, inPlace(TLS), 'warning: site: TLS flips'],
    ['toggles: a change that keeps the text', flip, `${TLS}# more\n`, inPlace(TLS), undefined],
    ['toggles: a change that keeps it out', flip, `${PLAIN}# more\n`, inPlace(PLAIN), undefined],
    ['toggles: in state', flip, TLS, inPlace(TLS), undefined],
    ['toggles: nothing in place yet', flip, TLS, { stat: ABSENT }, undefined],
  ])('%s', (_, warn, wanted, current, expected) => {
    expect(said(warn, wanted, current)).toBe(expected);
  });
});
