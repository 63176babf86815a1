/**
 * promote on the lab's reference site: the replica (web-02) becomes the
 * primary, the inventory is edited to say so, and the site keeps answering.
 * Starts from the site converged (an apply that finds nothing to do when the
 * lab's files before it left it so) and runs last of them (lab-order.ts): it
 * leaves the primary where inventory/lab.yaml does not say.
 */
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAB_HOSTS, labExec, labRun } from '../lab/lab.js';
import { provision, report } from './cli.js';
import { getSite } from './site-requests.js';

const INV = 'inventory/lab.yaml';
const onHost = labRun;

describe('promote on the reference site (inventory/lab.yaml)', () => {
  beforeAll(async () => {
    // Whatever an earlier file left, the site as the inventory says: not a rolling deploy, which would rightly
    // refuse to take the only serving app server out.
    const converge = await provision(['apply', INV, '--serial', '100%']);
    expect(converge.code, converge.stdout + converge.stderr).toBe(0);
  });

  it('promote makes the replica the primary, edits the inventory, and the site keeps answering', async () => {
    // A copy beside inventory/lab.yaml, so its relative key paths still hold; promote edits it.
    const inventory = 'inventory/promote-test.tmp.yaml';
    copyFileSync(INV, inventory);
    try {
      const run = await provision(['promote', inventory, 'web-02']);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain('web-02: replication stopped, accepting writes: it is the primary now');
      expect(await onHost('web-02', 'mariadb -N -B -e "SELECT @@read_only"')).toBe('0\n');
      const edited = readFileSync(inventory, 'utf8');
      expect(edited).toContain('web-01: { address: 10.77.0.12, mysql_role: replica, mysql_primary: web-02 }');
      expect(edited).toMatch(/web-02: \{ address: 10\.77\.0\.13, user: deploy, become: true, mysql_role: primary \}/);

      const apply = await provision(['apply', inventory]);
      expect(apply.code, apply.stdout).toBe(0);
      const marker = `after-promote-${Date.now()}`;
      await onHost('web-02', `mariadb app -e "CREATE TABLE IF NOT EXISTS e2e (v VARCHAR(64)); INSERT INTO e2e VALUES ('${marker}')"`);
      const deadline = Date.now() + 5000;
      let seen = '';
      while (Date.now() < deadline && !seen.includes(marker)) seen = (await labExec('web-01', `mariadb -N -B app -e "SELECT v FROM e2e WHERE v='${marker}'"`)).stdout;
      expect(seen.trim()).toBe(marker);
      expect((await getSite('/health')).status).toBe(200);
      const again = report(await provision(['apply', inventory, '--json']));
      for (const host of LAB_HOSTS) expect(again.hosts[host]).toMatchObject({ changed: 0, failed: 0 });
    } finally {
      rmSync(inventory, { force: true });
    }
  });
});
