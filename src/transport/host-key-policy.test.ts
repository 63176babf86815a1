import { describe, expect, it } from 'vitest';
import { hostKeyChecks } from './types.js';

const HELD = "web-01's ansible_host_key_checking or ansible_ssh_host_key_checking";

describe("a host's own host_key_checking beats the run's (ansible.cfg, --accept-new-host-keys); its jump host is never checked less strictly than either asks", () => {
  it.each([
    // host's setting, run accepts new keys → host accepts, jump host accepts, why the host is held strict
    [undefined, true, true, true, undefined],
    [undefined, false, false, false, undefined],
    [true, true, false, false, HELD],
    [false, false, true, false, undefined],
    [true, false, false, false, undefined],
    [false, true, true, true, undefined],
  ])('host %s, run accepts new keys %s: host accepts %s, jump host accepts %s', (hostKeyChecking, runAccepts, hostAccepts, jumpAccepts, heldStrictBy) => {
    const checks = hostKeyChecks({ name: 'web-01', ...(hostKeyChecking === undefined ? {} : { hostKeyChecking }) }, { acceptNewHostKeys: runAccepts });
    expect(checks.host.acceptNewHostKeys).toBe(hostAccepts);
    expect(checks.jump.acceptNewHostKeys).toBe(jumpAccepts);
    // The refusal's advice names the host's variable, not --accept-new-host-keys, when that is what holds it strict.
    expect(checks.host.heldStrictBy).toBe(heldStrictBy);
    expect(checks.jump.heldStrictBy).toBe(heldStrictBy);
  });
});
