import { describe, expect, it } from 'vitest';
import { cronLine } from './cron.js';

const command = { node: '/usr/bin/node', script: '/opt/provision/dist/cli/main.js', inventory: '/srv/my site/site.yaml' };

describe('cronLine', () => {
  it.each([
    [0, '0 0,12 * * *'],
    [0.5, '30 6,18 * * *'],
    [0.999, '59 11,23 * * *'],
  ])('random %d → %s', (r, schedule) => {
    expect(cronLine(command, () => r)).toBe(`${schedule} /usr/bin/node /opt/provision/dist/cli/main.js renew --quiet '/srv/my site/site.yaml'`);
  });

  it('draws a different time for different users', () => {
    const seen = new Set(Array.from({ length: 20 }, () => cronLine(command).split(' ').slice(0, 2).join(' ')));
    expect(seen.size).toBeGreaterThan(1);
  });
});
