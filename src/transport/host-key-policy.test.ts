import { describe, expect, it } from 'vitest';
import { acceptsNewHostKeys } from './types.js';

describe("a host's own host_key_checking beats the run's (ansible.cfg, --accept-new-host-keys)", () => {
  it.each([
    [undefined, true, true],
    [undefined, false, false],
    [true, true, false],
    [false, false, true],
    [true, false, false],
    [false, true, true],
  ])('host %s, run accepts new keys %s: accepts %s', (hostKeyChecking, runAccepts, expected) => {
    expect(acceptsNewHostKeys(hostKeyChecking === undefined ? {} : { hostKeyChecking }, { acceptNewHostKeys: runAccepts })).toBe(expected);
  });
});
