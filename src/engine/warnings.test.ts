import { describe, expect, it } from 'vitest';
import { file, type FileCurrent } from '../resources/file/index.js';
import type { Warning } from '../roles/load.js';
import { fileInPlace } from '../../test/support/resources.js';
import { warningOf } from './warnings.js';

const PATH = '/etc/nginx/sites-enabled/site.conf';
const TLS = 'listen 443 ssl;\nssl_certificate /c;\n';
const PLAIN = 'listen 80;\n';

/** What the engine says before the site file is made `wanted` from `current`, with the declaration's `warn`. */
function said(warn: Warning | undefined, wanted: string, current: FileCurrent): string | undefined {
  const desired = file.validate({ path: PATH, content: wanted });
  const planned = { role: 'web', type: file, desired, label: 'site', notify: [], position: { file: 'role.yaml', line: 1, col: 1 }, ...(warn ? { warn } : {}) };
  return warningOf({ planned, current, changes: file.decide(desired, current).changes });
}

// When a change toggles the text is the type's to say (file.test.ts has its table); here, what the engine does with its answer.
describe('the warning said before a change (warn:)', () => {
  const flip: Warning = { text: 'TLS flips', toggles: 'ssl_certificate /c;' };
  it.each<[string, Warning | undefined, string, FileCurrent, string | undefined]>([
    ['no warn', undefined, TLS, fileInPlace(PLAIN), undefined],
    ['warn: TEXT, a change', { text: 'careful' }, TLS, fileInPlace(`${TLS}#\n`), 'warning: site: careful'],
    ['warn: TEXT, in state', { text: 'careful' }, TLS, fileInPlace(TLS), undefined],
    ['toggles: the type says the change toggles it', flip, TLS, fileInPlace(PLAIN), 'warning: site: TLS flips'],
    ['toggles: the type says the change keeps it', flip, `${TLS}# more\n`, fileInPlace(TLS), undefined],
  ])('%s', (_, warn, wanted, current, expected) => {
    expect(said(warn, wanted, current)).toBe(expected);
  });
});
