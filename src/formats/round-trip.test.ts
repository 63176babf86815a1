/**
 * Each encoder against a reader written from its format's own rules: a
 * hostile value is either read back exactly, as the one value of its line,
 * or refused (FormatError). The readers follow the real programs' sources:
 * MariaDB's option-file reader (mysys/my_default.c, fgets into a 4096-byte
 * buffer), systemd's EnvironmentFile= parser (env-file.c), nginx's
 * configuration tokenizer (ngx_conf_file.c), java.util.Properties.load, JSON.
 */
import { describe, expect, it } from 'vitest';
import { FormatError } from './format-error.js';
import { mysqlOptionValue } from './mysql-option.js';
import { nginxValue } from './nginx.js';
import { propertiesValue } from './properties.js';
import { systemdEnvValue, systemdExecValue, systemdUnitValue } from './systemd.js';
import { oneLine } from './text.js';

/** my_default.c: lines read in pieces of 4095 bytes; `#` outside quotes ends the line; quotes around the value removed; escapes. */
function readMysqlOptions(file: string): Array<[string, string]> {
  const bytes = Buffer.from(file);
  const pieces: string[] = [];
  for (let start = 0; start < bytes.length; ) {
    const newline = bytes.indexOf(0x0a, start);
    const end = Math.min(newline === -1 ? bytes.length : newline + 1, start + 4094);
    pieces.push(bytes.subarray(start, end).toString('latin1'));
    start = end;
  }
  const options: Array<[string, string]> = [];
  for (const piece of pieces) {
    let line = piece.replace(/^\s+/, '');
    if (line === '' || '#;[!'.includes(line[0]!)) continue;
    let quote = '';
    let escape = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if ((c === '"' || c === "'") && !escape) quote = quote === '' ? c : quote === c ? '' : quote;
      if (quote === '' && c === '#') {
        line = line.slice(0, i);
        break;
      }
      escape = quote !== '' && c === '\\' && !escape;
    }
    const eq = line.indexOf('=');
    const name = (eq === -1 ? line : line.slice(0, eq)).trim();
    let value = eq === -1 ? '' : line.slice(eq + 1).replace(/^\s+|\s+$/g, '');
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[0] === value.at(-1)) value = value.slice(1, -1);
    const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', s: ' ', '"': '"', "'": "'", '\\': '\\' };
    value = value.replace(/\\([\s\S])/g, (all, c: string) => escapes[c] ?? all);
    options.push([name, Buffer.from(value, 'latin1').toString()]);
  }
  return options;
}

/** env-file.c, for `KEY="..."` lines: inside double quotes every byte is taken, `\` before one of "\`$ is dropped, `\` newline is eaten. */
function readEnvFile(file: string): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  const pattern = /^([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\[\s\S])*)"[ \t]*(?:\n|$)/;
  let rest = file;
  while (rest !== '') {
    const m = pattern.exec(rest);
    if (!m) throw new Error(`not an assignment: ${JSON.stringify(rest.slice(0, 40))}`);
    found.push([m[1]!, m[2]!.replace(/\\([\s\S])/g, (all, c: string) => ('"\\`$'.includes(c) ? c : c === '\n' ? '' : all))]);
    rest = rest.slice(m[0].length);
  }
  return found;
}

/** ngx_conf_read_token for one directive `name "param";`: the quoted token, with \" \\ \t \r \n unescaped. */
function readNginxDirective(line: string): string[] {
  const m = /^(\w+) "((?:[^"\\]|\\[\s\S])*)";$/.exec(line);
  if (!m) throw new Error(`not one directive with one quoted parameter: ${line}`);
  const escapes: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', t: '\t', r: '\r', n: '\n' };
  return [m[1]!, m[2]!.replace(/\\([\s\S])/g, (all, c: string) => escapes[c] ?? all)];
}

/** java.util.Properties.load: \n, \r and \r\n end a line (an odd run of `\` before one continues it); separator `=`; escapes. */
function readProperties(file: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  const logical = file.split(/\r\n|\r|\n/).reduce<string[]>((lines, line) => {
    const last = lines.at(-1);
    if (last !== undefined && /(^|[^\\])(\\\\)*\\$/.test(last)) lines[lines.length - 1] = last.slice(0, -1) + line.replace(/^[ \t\f]+/, '');
    else lines.push(line);
    return lines;
  }, []);
  for (const line of logical) {
    const trimmed = line.replace(/^[ \t\f]+/, '');
    if (trimmed === '' || trimmed[0] === '#' || trimmed[0] === '!') continue;
    const eq = trimmed.indexOf('=');
    const value = trimmed.slice(eq + 1).replace(/^[ \t\f]+/, '');
    const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', f: '\f' };
    entries.push([trimmed.slice(0, eq), value.replace(/\\(u[0-9a-fA-F]{4}|[\s\S])/g, (_, c: string) => (c.length === 5 ? String.fromCharCode(Number.parseInt(c.slice(1), 16)) : (escapes[c] ?? c)))]);
  }
  return entries;
}

const HOSTILE = [
  'plain',
  'p#ss\\word ',
  '  spaces at both ends  ',
  'x\nskip-grant-tables',
  'x"\nUser=root\nExecStartPre=/bin/touch /tmp/PWNED\n#',
  'x; } location /leak/ { alias /etc/; autoindex on; } #',
  'x", "pathExpression": "/etc/shadow"}, {"name": "evil',
  "x\\",
  "\\n\\t\\s\\\\ literal escapes",
  '%h `id` \'"',
  'x\r\nsecond=line',
  'x\rsecond=line',
  'tab\there',
  'line\u2028separator\u2029paragraph\u0085next',
  '\u009b31m C1 CSI',
  'é ünïcödé 😀',
  '=starts with equals',
  '# starts like a comment',
  '[section]',
  '!include /tmp/evil.cnf',
  'a'.repeat(1000),
  `${'a'.repeat(4080)}\nskip-grant-tables #`,
  `${'a'.repeat(4082)}skip-grant-tables #`,
  '\0nul',
];

/** Encodes; undefined when the encoder refuses the value (and then only with a FormatError). */
function encoded(encode: (value: string) => string, value: string): string | undefined {
  try {
    return encode(value);
  } catch (err) {
    expect(err, JSON.stringify(value.slice(0, 60))).toBeInstanceOf(FormatError);
    return undefined;
  }
}

describe('each encoder, read back by its format', () => {
  it.each(HOSTILE.map((v) => [v.slice(0, 40), v]))('%j', (_, value) => {
    const mysql = encoded(mysqlOptionValue, value);
    if (mysql !== undefined) expect(readMysqlOptions(`[client]\npassword=${mysql}\nuser="u"\n`)).toEqual([['password', value], ['user', 'u']]);

    const env = encoded(systemdEnvValue, value);
    if (env !== undefined) expect(readEnvFile(`DB_PASSWORD=${env}\nDB_USER="u"\n`)).toEqual([['DB_PASSWORD', value], ['DB_USER', 'u']]);

    const nginx = encoded(nginxValue, value);
    if (nginx !== undefined) expect(readNginxDirective(`root ${nginx};`)).toEqual(['root', value]);

    expect(readProperties(`name=${propertiesValue(value)}\nsyncSources=/x\n`)).toEqual([['name', value], ['syncSources', '/x']]);

    expect(JSON.parse(`{"a": ${JSON.stringify(value)}, "b": 1}`)).toEqual({ a: value, b: 1 });

    // One-line settings: the value stays on its line (no line break of any program that reads them).
    for (const encode of [systemdUnitValue, oneLine]) {
      const text = encoded(encode, value);
      if (text !== undefined) expect(text).not.toMatch(/[\n\r\0\u0085\u2028\u2029\u009b]/);
    }
  });

  it('refuses a MySQL option value long enough to be read as two lines', () => {
    expect(() => mysqlOptionValue('a'.repeat(4090))).toThrow(/pieces of 4095 bytes/);
    // Bytes, not characters: 700 three-byte characters are 2100 bytes.
    expect(() => mysqlOptionValue('€'.repeat(700))).toThrow(FormatError);
    expect(mysqlOptionValue('€'.repeat(600))).toHaveLength(602);
  });
});

describe('systemd Exec prefixes', () => {
  it.each([
    ['/usr/bin/node /opt/app/server.js', true],
    ['-/usr/bin/node server.js', true],
    ['@/usr/bin/node node', true],
    [':/usr/bin/env', true],
    ['+/bin/sh -c id', false],
    ['!/bin/sh', false],
    ['!!/bin/sh', false],
    ['-+/bin/sh', false],
    ['@:!/bin/sh', false],
    [' \t+/bin/sh', false],
    ['|echo hi', false],
    // systemd takes the prefixes from the first word unquoted and C-unescaped (config_parse_exec: EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE).
    ['"+/bin/sh" -c id', false],
    ["'+/bin/sh' -c id", false],
    ['\\x2b/bin/sh -c id', false],
    ['\\053/bin/sh', false],
    ['-"+/bin/sh"', false],
    ['@"!/bin/sh" sh', false],
    ['""+/bin/sh', false],
    ['/opt/"my app"/bin/node server.js', true],
    ['/usr/bin/node "/opt/app/server.js" \\x2b', true],
  ])('%j accepted: %s', (command, accepted) => {
    if (accepted) expect(systemdExecValue(command)).toBe(command);
    else expect(() => systemdExecValue(command)).toThrow(/full privileges/);
  });
});
