import { describe, expect, it } from 'vitest';
import { cronLine } from './renew-cron.js';

const command = { node: '/usr/bin/node', script: '/opt/provision/dist/cli/main.js', inventories: ['/srv/my site/site.yaml'] };

describe('cronLine', () => {
  it.each([
    [0, '0 0,12 * * *'],
    [0.5, '30 6,18 * * *'],
    [0.999, '59 11,23 * * *'],
  ])('random %d → %s', (r, schedule) => {
    expect(cronLine(command, () => r)).toBe(`${schedule} /usr/bin/node /opt/provision/dist/cli/main.js renew --quiet '/srv/my site/site.yaml'`);
  });

  it.each([
    ['% in a path, which cron turns into a newline', { inventories: ['/srv/100%/site.yaml'] }, "0 0,12 * * * /usr/bin/node /opt/provision/dist/cli/main.js renew --quiet /srv/100\\%/site.yaml"],
    ['% in a quoted path', { inventories: ["/srv/it's 50%/site.yaml"] }, "0 0,12 * * * /usr/bin/node /opt/provision/dist/cli/main.js renew --quiet '/srv/it'\\''s 50\\%/site.yaml'"],
    ['options before the inventory', { options: ['--roles-path', '/srv/%roles'] }, "0 0,12 * * * /usr/bin/node /opt/provision/dist/cli/main.js renew --quiet --roles-path /srv/\\%roles '/srv/my site/site.yaml'"],
    ['the directory it was printed in, since cron starts jobs in HOME', { cwd: '/srv/site 50%', env: { SOPS_AGE_KEY_FILE: '/k.txt' } }, "0 0,12 * * * cd '/srv/site 50\\%' && SOPS_AGE_KEY_FILE=/k.txt /usr/bin/node /opt/provision/dist/cli/main.js renew --quiet '/srv/my site/site.yaml'"],
  ])('escapes %s', (_, over, line) => {
    expect(cronLine({ ...command, ...over }, () => 0)).toBe(line);
  });

  it.each(['/srv/a\nb/site.yaml', '/srv/a\rb.yaml', '/srv/a\\%b.yaml'])('refuses a path cron cannot carry: %j', (inventory) => {
    expect(() => cronLine({ ...command, inventories: [inventory] }, () => 0)).toThrow(/--print-cron: cannot write/);
  });

  it('refuses a directory cron cannot carry', () => {
    expect(() => cronLine({ ...command, cwd: '/srv/a\nb' }, () => 0)).toThrow(/--print-cron: cannot write/);
  });

  it('names the environment the job needs (the age key of SOPS files), quoted', () => {
    const line = cronLine({ ...command, env: { SOPS_AGE_KEY_FILE: '/home/op/.config/sops/age/keys.txt' } }, () => 0);
    expect(line).toBe(`0 0,12 * * * SOPS_AGE_KEY_FILE=/home/op/.config/sops/age/keys.txt /usr/bin/node /opt/provision/dist/cli/main.js renew --quiet '/srv/my site/site.yaml'`);
    const spaced = cronLine({ ...command, env: { SOPS_AGE_SSH_PRIVATE_KEY_FILE: "/keys/op's key" } }, () => 0);
    expect(spaced).toContain(`SOPS_AGE_SSH_PRIVATE_KEY_FILE='/keys/op'\\''s key' /usr/bin/node`);
  });

  it('escapes % for cron (which makes an unescaped one a newline)', () => {
    const line = cronLine({ ...command, inventories: ['/srv/100%/site.yaml'], env: { SOPS_AGE_KEY_FILE: '/k/50%.txt' } }, () => 0);
    expect(line).toBe('0 0,12 * * * SOPS_AGE_KEY_FILE=/k/50\\%.txt /usr/bin/node /opt/provision/dist/cli/main.js renew --quiet /srv/100\\%/site.yaml');
    expect(() => cronLine({ ...command, inventories: ['/srv/a\\%b.yaml'] })).toThrow(/cannot write a crontab line/);
  });

  it('names every inventory source, so that cron renews the hosts an interactive renew does', () => {
    const line = cronLine({ ...command, inventories: ['/srv/a.ini', '/srv/b dir', 'web1,web2,'] }, () => 0);
    expect(line).toBe("0 0,12 * * * /usr/bin/node /opt/provision/dist/cli/main.js renew --quiet /srv/a.ini -i '/srv/b dir' -i web1,web2,");
  });

  it('draws a different time for different users', () => {
    const seen = new Set(Array.from({ length: 20 }, () => cronLine(command).split(' ').slice(0, 2).join(' ')));
    expect(seen.size).toBeGreaterThan(1);
  });
});
