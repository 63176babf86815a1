/**
 * Hostile values in the inventory, on the lab's real programs: a value that
 * a config format can carry is deployed in that format and read back exactly
 * (mariadb's option-file reader, systemd's environment files and specifiers,
 * Sumo's JSON); one it cannot carry is refused before any host is contacted.
 * Either way no injected directive reaches any host. Run by site.test.ts first
 * thing after its reset: the plan and apply with these values (ESCAPING_VALUES)
 * are its converge from fresh hosts, and it then applies the lab's own values.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mysqlOptionValue } from '../../src/formats/mysql-option.js';
import { nginxValue } from '../../src/formats/nginx.js';
import { systemdEnvValue } from '../../src/formats/systemd.js';
import { LAB_HOSTS, fingerprint, labRun } from '../lab/lab.js';
import { labSecrets, provision } from './cli.js';
import type { PlanAndApply, PlanThenApplyOptions } from './plan-promise.js';

const INV = 'inventory/lab.yaml';

/** A database password with what option files and environment files would misread: #, \, quotes, $, `, %, spaces at the end. */
/** The hostile password of the converge from fresh hosts, and the forms of it no output may show. */
const PASSWORD = 'p#ss\\word "q" $HOME `id` 100%h \'x\' ';
export const PASSWORD_FORMS = [PASSWORD, JSON.stringify(PASSWORD).slice(1, -1), 'p#ss'];

/** Escaped values: each must arrive as written, and change nothing else. */
const ESCAPED = {
  sumo_extra_sources: [{ name: 'extra"}, {"name": "evil', path: '/var/log/app.log', category: 'x\n"]}' }],
  app_start: '/usr/bin/node /opt/app/server.js --title=100%h "two words"',
};

/** Everything on the hosts that an injection would leave. */
const INJECTED = [
  'grep -rls "^skip-grant-tables" /etc/mysql || true',
  'grep -ls "^ExecStartPre\\|^User=root" /etc/systemd/system/app.service || true',
  'nginx -T 2>/dev/null | grep -c "location /leak/" || true',
  'ls /tmp/PWNED 2>/dev/null || true',
];

/** What INJECTED finds on a host, one answer per check: all of them in one login (each answer base64, one line). */
async function injected(host: string): Promise<string[]> {
  const lines = (await labRun(host, INJECTED.map((command) => `{ ${command}; } | base64 -w0; echo`).join('\n'))).split('\n');
  return lines.slice(0, INJECTED.length).map((line) => Buffer.from(line, 'base64').toString('utf8').trim());
}

/** injected() on every lab host at once, by host. */
async function injectedEverywhere(): Promise<Record<string, string[]>> {
  return Object.fromEntries(await Promise.all(LAB_HOSTS.map(async (host) => [host, await injected(host)] as const)));
}

const CLEAN = ['', '', '0', ''];
const CLEAN_EVERYWHERE = Object.fromEntries(LAB_HOSTS.map((host) => [host, CLEAN]));

/**
 * The values the converge from fresh hosts deploys (site.test.ts runs it through planThenApply): the escaped ones,
 * and a password that replaces the lab's own (from its SOPS file), which -e reads from the environment.
 */
export const ESCAPING_VALUES: PlanThenApplyOptions = {
  args: ['-e', JSON.stringify({ ...ESCAPED, app_db_password: { secret: 'E2E_APP_DB_PASSWORD' } })],
  env: { E2E_APP_DB_PASSWORD: PASSWORD },
};

/** The checks, on the lab hosts that `converged` (a plan and apply with ESCAPING_VALUES) converged from fresh. */
export function configValuesChecks(converged: () => PlanAndApply | undefined): void {
  describe('hostile values on the lab', () => {
    it('the converge from fresh hosts deployed values that need escaping exactly as written, and showed no secret', async () => {
      const runs = converged();
      expect(runs, 'the converge from fresh hosts ran').toBeDefined();
      const output = [runs!.planRun, runs!.applyRun].map((run) => run.stdout + run.stderr).join('\n');
      for (const form of PASSWORD_FORMS) expect(output).not.toContain(form);
      const secrets = Object.values(labSecrets());
      expect(secrets.length).toBeGreaterThanOrEqual(4);
      for (const secret of secrets) expect(output).not.toContain(secret);

      for (const host of ['web-01', 'web-02']) {
        // systemd read the environment file: the app has the password exactly.
        const environ = await labRun(host, 'tr "\\0" "\\n" </proc/$(systemctl show -p MainPID --value app)/environ');
        expect(environ.split('\n')).toContain(`DB_PASSWORD=${PASSWORD}`);
        // The mariadb client read the option file: it logs in with it.
        expect(await labRun(host, 'mariadb --defaults-extra-file=/etc/app/db.cnf -N -B -e "SELECT CURRENT_USER()"')).toMatch(/^app@/);
        // systemd left %h alone (%% in the unit) and kept the quoted word whole.
        expect(await labRun(host, 'tr "\\0" "\\n" </proc/$(systemctl show -p MainPID --value app)/cmdline')).toBe('/usr/bin/node\n/opt/app/server.js\n--title=100%h\ntwo words\n');
        expect(await labRun(host, 'systemctl show -p User --value app')).toBe('app\n');
      }
      expect(await labRun('lb-01', 'curl -s -H "Host: www.foobar.com" -k https://127.0.0.1/health')).toContain('"database":"ok"');

      // The Sumo sources file is still the role's sources, one extra, with the values as text.
      const sources = JSON.parse(await labRun('web-01', 'cat /etc/sumologic/sources.json')) as { sources: Array<{ name: string; category: string; pathExpression: string }> };
      expect(sources.sources.map((s) => s.pathExpression)).toEqual(['/var/log/syslog', '/var/log/auth.log', '/var/log/nginx/access.log', '/var/log/nginx/error.log', '/var/log/mysql/error.log', '/var/log/app.log']);
      expect(sources.sources[5]).toMatchObject({ name: ESCAPED.sumo_extra_sources[0]!.name, category: ESCAPED.sumo_extra_sources[0]!.category });

      expect(await injectedEverywhere()).toEqual(CLEAN_EVERYWHERE);
    });

    describe('refused before any host is contacted', () => {
      // Taken once, and compared once after the last case: a refused run changes nothing, so the hosts must be as
      // they were before the first (a fingerprint of the three takes seconds; one per case added them up).
      let before: string[] = [];
      beforeAll(async () => {
        before = await Promise.all(LAB_HOSTS.map(fingerprint));
      });

      it.each([
        ['a unit User with a second line', { app_user: 'app\nExecStartPre=/bin/touch /tmp/PWNED' }, '-e app_user: string "app\\nExecStartPre=/bin/touch /tmp/PWN…" is not a user or group name'],
        ['a MariaDB setting with a second line', { mysql_bind_address: '0.0.0.0\nskip-grant-tables' }, '-e mysql_bind_address: string "0.0.0.0\\nskip-grant-tables" is not a host name or IP address'],
        ['an nginx path that closes its block', { acme_webroot: '/var/www/acme; } location /leak/ { alias /etc/; autoindex on; } #' }, "-e acme_webroot: string \"/var/www/acme; } location /leak/ { al…\" is not an absolute path: expected '/' then letters"],
        ['a path with a command substitution', { sumo_dir: '/opt/Sumo$(touch /tmp/PWNED)' }, '-e sumo_dir: string "/opt/Sumo$(touch /tmp/PWNED)" is not an absolute path'],
        // env is also written unquoted into the monitors' queries (_sourceCategory=lab/...): only Sumo's keyword characters.
        ['an env that would end its JSON string and its search term', { env: 'lab", "pathExpression": "/etc/shadow' }, '-e env: string "lab\\", \\"pathExpression\\": \\"/etc/sha…" is not a Sumo Logic search keyword'],
        ['a template from outside the search path', { app_source_template: '../../../root/.local/state/provision/acme/account.key' }, "-e app_source_template: template '../../../root/.local/state/provision/acme/account.key' is outside the template search path"],
      ])('plan and apply refuse %s before any host is contacted', async (_, vars, message) => {
        const runs = await Promise.all(['plan', 'apply'].map((command) => provision([command, INV, '-e', JSON.stringify(vars)])));
        for (const run of runs) {
          expect(run.code, run.stdout + run.stderr).toBe(2);
          expect(run.stderr).toContain(`error: ${message}`);
          expect(run.stdout).toBe('');
        }
      });

      it('after every refused plan and apply, each host is as before the first, with nothing injected', async () => {
        const [after, found] = await Promise.all([Promise.all(LAB_HOSTS.map(fingerprint)), injectedEverywhere()]);
        expect(after).toEqual(before);
        expect(found).toEqual(CLEAN_EVERYWHERE);
      });
    });

    it('a value the checks let through but nginx refuses stays in its quotes: nginx -t fails and the old site stays', async () => {
      const site = '/etc/nginx/sites-enabled/provision-loadbalancer.conf';
      const before = await labRun('lb-01', `sha256sum ${site}`);
      const run = await provision(['apply', INV, '--limit', 'lb-01', '-e', JSON.stringify({ lb_backend_port: '80; } location /leak/ { alias /etc/; autoindex on; } upstream x { server 127.0.0.1:80' })]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('validation failed');
      expect(await labRun('lb-01', `sha256sum ${site}`)).toBe(before);
      expect(await injected('lb-01')).toEqual(CLEAN);
    });

    /** Values each format must carry, read back by the program that reads that format. */
    const VALUES = ['p#ss\\word ', '  both ends  ', 'a"b\'c', '\\n is not a newline', 'tab\there', '`id` %h {x}', 'ünïcödé', '#start', '"quoted"', 'ends with \\', '\\\\', 'a; } location /leak/ { alias /etc/; }', 'L'.repeat(2000)];

    it('the encoders, read back by the real programs: MariaDB\'s option-file reader, systemd\'s environment files, nginx', async () => {
      const writeFile = (path: string, text: string) => `base64 -d >${path} <<'EOF'\n${Buffer.from(text).toString('base64')}\nEOF`;
      /** What each command printed (stdout and stderr), all run in one session on `host` after `setup`: one login, not one per value. */
      const outputs = async (host: string, setup: string[], commands: string[]): Promise<string[]> => {
        const lines = (await labRun(host, [...setup, ...commands.map((command) => `{ ${command}; } 2>&1 | base64 -w0; echo`)].join('\n'))).split('\n');
        expect(lines, 'one line per command').toHaveLength(commands.length + 1);
        return lines.slice(0, commands.length).map((line) => Buffer.from(line, 'base64').toString('utf8'));
      };
      const values = [...VALUES, 'x\nskip-grant-tables', '$HOME'];
      const dir = '/tmp/provision-e2e-encoders';
      const read = await outputs(
        'web-01',
        [`rm -rf ${dir}; mkdir ${dir}`, ...values.flatMap((value, i) => [writeFile(`${dir}/${i}.cnf`, `[client]\nuser=${mysqlOptionValue(value)}\n`), writeFile(`${dir}/${i}.env`, `V=${systemdEnvValue(value)}\n`)])],
        // my_print_defaults prints what a client reads, with the same reader (a password it would mask).
        values.flatMap((_, i) => [`my_print_defaults --defaults-file=${dir}/${i}.cnf client`, `systemd-run --quiet --wait --pipe -p EnvironmentFile=${dir}/${i}.env /usr/bin/printenv V`]),
      );
      for (const [i, value] of values.entries()) {
        expect(read[2 * i], JSON.stringify(value)).toBe(`--user=${value}\n`);
        expect(read[2 * i + 1], JSON.stringify(value)).toBe(`${value}\n`);
      }
      // nginx: each value it takes (no control characters) as the text of a `return`, fetched back over HTTP.
      const forNginx = VALUES.filter((value) => !/[\u0000-\u001f]/.test(value));
      const locations = forNginx.map((value, i) => `location = /v${i} { default_type text/plain; return 200 ${nginxValue(value)}; }`).join('\n');
      const conf = `pid /tmp/provision-e2e-nginx.pid;\nevents {}\nhttp { access_log off; server { listen 127.0.0.1:8099;\n${locations}\n} }\n`;
      // Its own files, not the session's: the daemon must not hold the SSH channel open.
      await labRun('lb-01', `${writeFile('/tmp/provision-e2e-nginx.conf', conf)}\nnginx -c /tmp/provision-e2e-nginx.conf </dev/null >/dev/null 2>&1`);
      try {
        const served = await outputs('lb-01', [], [...forNginx.map((_, i) => `curl -s http://127.0.0.1:8099/v${i}`), 'curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:8099/leak/']);
        for (const [i, value] of forNginx.entries()) expect(served[i], JSON.stringify(value)).toBe(value);
        expect(served[forNginx.length]).toBe('404');
      } finally {
        await labRun('lb-01', 'kill $(cat /tmp/provision-e2e-nginx.pid); rm -f /tmp/provision-e2e-nginx.conf');
      }
    });
  });
}
