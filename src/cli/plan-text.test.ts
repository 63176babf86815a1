import { describe, expect, it } from 'vitest';
import type { HostResult, ResourceResult } from '../engine/results.js';
import { contentDiff } from '../resources/shared/text-diff.js';
import { formatChanges } from './diff-text.js';
import { formatPlan } from './plan-text.js';

const result = (host: string, resource: string, status: ResourceResult['status'], more: Partial<ResourceResult> = {}): ResourceResult => ({ host, role: 'r', resource, status, changes: [], handler: false, ...more });
const hostOf = (name: string, results: ResourceResult[]): HostResult => ({ name, ok: 0, changed: 0, unknown: 0, failed: 0, skipped: 0, unreachable: false, results, elapsedMs: 1 });
const helper = Array.from({ length: 9 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
const newFile = { summary: 'absent → file /usr/local/sbin/helper (63 bytes, 9 lines, root:root 0755)', diff: contentDiff('/usr/local/sbin/helper', undefined, helper, false) };

describe('formatPlan', () => {
  const hosts = ['lb-01', 'web-01'].map((h) =>
    hostOf(h, [
      result(h, 'package nginx', 'changed', { changes: [{ summary: 'nginx: absent → present (1.22)' }] }),
      result(h, 'service nginx', 'ok', { note: "package nginx (nginx-common): nginx-common's postinst enables and starts it" }),
      result(h, 'login banner', 'ok'),
      result(h, 'helper', 'changed', { changes: [newFile] }),
      result(h, 'nginx default site removed', 'unknown', { reason: "package nginx (nginx-common) may change /etc/nginx/sites-enabled/default: nginx-common's postinst names it (ln)", changes: [{ summary: 'if it is there: removed' }, { summary: 'if it is not: nothing to do' }] }),
      result(h, 'motd', 'changed', { changes: [{ summary: 'content changed', diff: contentDiff('/etc/motd', `${h}\n`, 'managed\n', false) }] }),
    ]),
  );

  it('shows each outcome once for the hosts it is the same on; new files by their first lines; in state only where an earlier change decides it', () => {
    expect(formatPlan(hosts, { diff: true, full: false }).split('\n')).toEqual([
      'lb-01, web-01 | would change | package nginx',
      '    ~ nginx: absent → present (1.22)',
      'lb-01, web-01 | in state | service nginx',
      "    = package nginx (nginx-common): nginx-common's postinst enables and starts it",
      'lb-01, web-01 | would change | helper',
      '    + absent → file /usr/local/sbin/helper (63 bytes, 9 lines, root:root 0755)',
      '    | line 1',
      '    | line 2',
      '    | line 3',
      '    | line 4',
      '    | line 5',
      '    | … 4 more lines (--full-diff shows them)',
      'lb-01, web-01 | decided at apply | nginx default site removed',
      "    ? package nginx (nginx-common) may change /etc/nginx/sites-enabled/default: nginx-common's postinst names it (ln)",
      '    ~ if it is there: removed',
      '    ~ if it is not: nothing to do',
      'lb-01 | would change | motd',
      '    --- /etc/motd',
      '    +++ /etc/motd',
      '    @@ -1,1 +1,1 @@',
      '    -lb-01',
      '    +managed',
      'web-01 | would change | motd',
      '    --- /etc/motd',
      '    +++ /etc/motd',
      '    @@ -1,1 +1,1 @@',
      '    -web-01',
      '    +managed',
    ]);
  });

  it('without --diff: the lines and the reasons, no change lists', () => {
    expect(formatPlan(hosts, { diff: false, full: false }).split('\n').filter((l) => l.startsWith('    ~'))).toEqual([]);
  });
});

describe('formatChanges', () => {
  it('--full-diff shows a new file whole', () => {
    expect(formatChanges([newFile], true).split('\n')).toHaveLength(12);
    expect(formatChanges([newFile], true)).toContain('+line 9');
  });
});
