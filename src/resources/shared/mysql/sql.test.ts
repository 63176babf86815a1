import { describe, expect, it } from 'vitest';
import { sqlAccount, sqlBatch, sqlIdent, sqlString } from './sql.js';

describe('SQL quoting', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", "'it\\'s'"],
    ['back\\slash', "'back\\\\slash'"],
    ["\\'; DROP USER root; --", "'\\\\\\'; DROP USER root; --'"],
  ])('string %s', (value, expected) => {
    expect(sqlString(value)).toBe(expected);
  });

  it('identifiers and accounts', () => {
    expect(sqlIdent('my`db')).toBe('`my``db`');
    expect(sqlAccount('app', '10.0.0.%')).toBe("'app'@'10.0.0.%'");
  });
});

describe('sqlBatch', () => {
  it('clears sql_mode first (so backslash escapes hold), and ends every statement', () => {
    expect(sqlBatch(['CREATE DATABASE x', 'SELECT 1;'])).toBe("SET SESSION sql_mode='';\nCREATE DATABASE x;\nSELECT 1;\n");
  });

  it('keeps the statements out of the binary log when asked', () => {
    expect(sqlBatch(['SELECT 1'], { binlog: false })).toBe("SET SESSION sql_mode='';\nSET SESSION sql_log_bin=0;\nSELECT 1;\n");
  });
});
