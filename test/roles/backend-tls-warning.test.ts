/**
 * The shipped app and loadbalancer roles warn of a backend_tls flip on their site file
 * (`warn: { toggles }`), decided from the site in place as the probe reads it: no program of its own.
 */
import { describe, expect, it } from 'vitest';
import { warningOf } from '../../src/engine/warnings.js';
import { loadInventory } from '../../src/inventory/index.js';
import type { FileCurrent, PresentFile } from '../../src/resources/file/index.js';
import { ABSENT } from '../../src/resources/shared/path-state.js';
import { buildPlans, type PlannedResource } from '../../src/roles/plan.js';
import { stubSops } from '../support/inventory.js';
import { fileInPlace } from '../support/resources.js';
import { extraVarsOf } from '../fixtures/inventory/fixtures.js';

// inventory/lab.yaml reads its secrets from a SOPS file; these stand in for them.
const SECRETS = { 'app.db_password': 'unit-db-pass', 'mysql.replication_password': 'unit-repl-pass', 'sumo.access_id': 'unit-id', 'sumo.access_key': 'unit-key' };

/** Each lab host's resources that warn with `toggles`, planned with backend_tls as given (and other `-e` variables). */
function warning(backendTls: boolean, vars: Record<string, unknown> = {}): Map<string, PlannedResource> {
  const inventory = loadInventory('inventory/lab.yaml', { env: {}, extraVars: extraVarsOf({ ...vars, backend_tls: backendTls }), sops: stubSops(SECRETS) });
  const plans = buildPlans(inventory, inventory.hosts, { rolesDirs: ['roles'], templateDirs: ['templates'], tags: [] });
  return new Map(plans.flatMap((p) => p.resources.filter((r) => r.warn?.toggles !== undefined).map((r) => [p.host.name, r] as [string, PlannedResource])));
}

/** The hosts that warn when their site goes from `current` (given the site as planned with the other setting) to the site as planned. */
function warned(planned: Map<string, PlannedResource>, current: (other: string) => FileCurrent, other: Map<string, PlannedResource>): string[] {
  return [...planned].flatMap(([host, r]) => {
    const desired = r.desired as PresentFile;
    const now = current((other.get(host)!.desired as PresentFile).content);
    return warningOf({ planned: r, current: now, changes: r.type.decide(desired, now).changes }) ? [`${host} ${r.label}`] : [];
  });
}

describe('the backend_tls flip warning of the shipped roles', () => {
  const on = warning(true);
  const off = warning(false);
  const everyHost = ['lb-01 load balancer site', 'web-01 app site', 'web-02 app site'];
  it.each<[string, Map<string, PlannedResource>, Map<string, PlannedResource>, (other: string) => FileCurrent, string[]]>([
    ['turned on, the sites in place', on, off, (other) => fileInPlace(other), everyHost],
    ['turned off, the sites in place', off, on, (other) => fileInPlace(other), everyHost],
    ['on, the site changed otherwise (a hand edit)', on, on, (same) => fileInPlace(`${same}# edit\n`), []],
    ['off, the site changed otherwise (a hand edit)', off, off, (same) => fileInPlace(`${same}# edit\n`), []],
    ['turned on, no site in place yet (a first apply)', on, off, () => ({ stat: ABSENT }), []],
    // Inventory values rendered into other lines of the site cannot form the needle's whole line.
    ['turned on, lb_upstream naming the needle', warning(true, { lb_upstream: 'proxy_ssl_verify_pool' }), warning(false, { lb_upstream: 'proxy_ssl_verify_pool' }), (other) => fileInPlace(other), everyHost],
    ['turned on, tls_certificate naming the needle', warning(true, { tls_certificate: '/etc/ssl/proxy_ssl_verify/fullchain.pem' }), warning(false, { tls_certificate: '/etc/ssl/proxy_ssl_verify/fullchain.pem' }), (other) => fileInPlace(other), everyHost],
  ])('%s', (_, planned, other, current, hosts) => {
    expect(warned(planned, current, other)).toEqual(hosts);
  });
});
