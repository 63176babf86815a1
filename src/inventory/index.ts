// The inventory layer: load and validate an inventory file, resolve each host's
// variables, connection and roles, select hosts with --limit, read -e values.
export type { HostConnection, Inventory, InventoryHost, RoleRef, VarOrigin } from './types.js';
export { loadInventory, type LoadOptions } from './load.js';
export { loadInventoryWithSecrets, SopsSecrets } from './sops-secrets.js';
export { selectHosts } from './select.js';
export { parseExtraVars } from './extra-vars.js';
