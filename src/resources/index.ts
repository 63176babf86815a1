/** The resource types by the name used in role.yaml. */
import { certificate } from './certificate/index.js';
import { archive } from './archive/index.js';
import { command } from './command/index.js';
import { directory } from './directory/index.js';
import { file } from './file/index.js';
import { group } from './group/index.js';
import { internalTls } from './internal-tls/index.js';
import { line } from './line/index.js';
import { mysqlDatabase } from './mysql-database/index.js';
import { mysqlGlobal } from './mysql-global/index.js';
import { mysqlReplica } from './mysql-replica/index.js';
import { mysqlUser } from './mysql-user/index.js';
import { packageType } from './package/index.js';
import { service } from './service/index.js';
import { sumoConnection } from './sumo-connection/index.js';
import { sumoDashboard } from './sumo-dashboard/index.js';
import { sumoMonitor } from './sumo-monitor/index.js';
import type { AnyResourceType } from './types.js';
import { ufw } from './ufw/index.js';
import { user } from './user/index.js';

/** Every resource type, keyed by its name. */
export const resourceTypes: Record<string, AnyResourceType> = Object.fromEntries(
  [packageType, file, internalTls, directory, archive, service, command, user, group, line, ufw, mysqlDatabase, mysqlGlobal, mysqlUser, mysqlReplica, certificate, sumoConnection, sumoMonitor, sumoDashboard].map((type) => [type.name, type]),
);
