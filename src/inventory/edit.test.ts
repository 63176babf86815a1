import { describe, expect, it } from 'vitest';
import { editHostVars } from './edit.js';

const INVENTORY = `# site
all:
  children:
    app:
      hosts:
        web-01: { address: 10.0.0.12, mysql_role: primary }
        # the replica
        web-02: { address: 10.0.0.13, mysql_role: replica, mysql_primary: web-01 }
        web-03:
`;

describe('editHostVars', () => {
  it('swaps roles and keeps comments', () => {
    let text = editHostVars(INVENTORY, 'web-02', { mysql_role: 'primary', mysql_primary: null })!;
    text = editHostVars(text, 'web-01', { mysql_role: 'replica', mysql_primary: 'web-02' })!;
    expect(text).toBe(`# site
all:
  children:
    app:
      hosts:
        web-01: { address: 10.0.0.12, mysql_role: replica, mysql_primary: web-02 }
        # the replica
        web-02: { address: 10.0.0.13, mysql_role: primary }
        web-03:
`);
  });

  it('fills an empty host entry and says when the host is not there', () => {
    expect(editHostVars(INVENTORY, 'web-03', { mysql_role: 'replica' })).toContain('web-03:\n          mysql_role: replica');
    expect(editHostVars(INVENTORY, 'web-09', { mysql_role: 'replica' })).toBeUndefined();
  });
});
