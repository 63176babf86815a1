/**
 * The config-format encoders, table-driven. What each format's own reader
 * makes of these encodings is checked on the lab's real programs
 * (test/e2e/config-values.ts): mariadb's option-file reader, systemd's
 * environment files, nginx.
 */
import { describe, expect, it } from 'vitest';
import { FormatError } from './format-error.js';
import { mysqlOptionValue } from './mysql-option.js';
import { nginxValue } from './nginx.js';
import { propertiesValue } from './properties.js';
import { systemdEnvValue, systemdUnitValue } from './systemd.js';
import { oneLine } from './text.js';

describe('encoders', () => {
  it.each([
    ['mysql_option', mysqlOptionValue, 'p#ss\\word ', '"p#ss\\\\word "'],
    ['mysql_option', mysqlOptionValue, 'a"b\'c\nskip-grant-tables\r\t\b', '"a\\"b\'c\\nskip-grant-tables\\r\\t\\b"'],
    ['systemd_env', systemdEnvValue, 'p#ss\\word "$HOME" `id` \'x\'', '"p#ss\\\\word \\"\\$HOME\\" \\`id\\` \'x\'"'],
    ['systemd_env keeps a newline inside the quotes', systemdEnvValue, 'a\nB=c', '"a\nB=c"'],
    ['systemd_value', systemdUnitValue, '/usr/bin/node %h/app "a b"', '/usr/bin/node %%h/app "a b"'],
    ['nginx', nginxValue, 'x; } location /leak/ { alias /etc/; }', '"x; } location /leak/ { alias /etc/; }"'],
    ['nginx', nginxValue, 'a"b\\c', '"a\\"b\\\\c"'],
    ['properties', propertiesValue, ' lead\\x\n#é', '\\ lead\\\\x\\n#\\u00e9'],
    ['one_line', oneLine, 'web-01 is a primary\t(tab)', 'web-01 is a primary\t(tab)'],
    ['one_line', oneLine, 'a'.repeat(1024), 'a'.repeat(1024)],
  ])('%s: %j', (_, encode, value, encoded) => {
    expect(encode(value)).toBe(encoded);
  });

  it.each([
    ['mysql_option', mysqlOptionValue, 'a\0b', /NUL byte/],
    ['systemd_env', systemdEnvValue, 'a\0b', /NUL byte/],
    ['systemd_value', systemdUnitValue, 'app\nExecStartPre=/bin/sh', /newline/],
    ['systemd_value', systemdUnitValue, 'app\\', /ends with a backslash/],
    ['nginx', nginxValue, 'a\nb', /newline/],
    ['nginx', nginxValue, '/var/www/$host', /'\$'/],
    ['one_line', oneLine, 'a\r\nb', /carriage return/],
    ['one_line', oneLine, 'title \u001b]0;x\u0007', /control character U\+001B/],
    // A host name in a comment of a MySQL option file: past 4095 bytes the reader takes the rest as a line, an option.
    ['one_line', oneLine, `${'a'.repeat(4072)}skip-grant-tables`, /at most 1024/],
    ['one_line', oneLine, '€'.repeat(342), /1026 bytes long/],
  ])('%s refuses %j', (_, encode, value, message) => {
    expect(() => encode(value)).toThrow(FormatError);
    expect(() => encode(value)).toThrow(message);
  });
});
