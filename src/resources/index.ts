/** The resource types by the name used in role.yaml. */
import { certificate } from './certificate.js';
import { archive } from './archive.js';
import { command } from './command.js';
import { directory } from './directory.js';
import { file } from './file.js';
import { group } from './group.js';
import { line } from './line.js';
import { mysqlDatabase } from './mysql-database.js';
import { mysqlReplica } from './mysql-replica.js';
import { mysqlUser } from './mysql-user.js';
import { packageType } from './package.js';
import { service } from './service.js';
import { sumoConnection } from './sumo-connection/index.js';
import { sumoDashboard } from './sumo-dashboard/index.js';
import { sumoMonitor } from './sumo-monitor/index.js';
import type { AnyResourceType } from './types.js';
import { ufw } from './ufw.js';
import { user } from './user.js';

/** Every resource type, keyed by its name. */
export const resourceTypes: Record<string, AnyResourceType> = Object.fromEntries(
  [packageType, file, directory, archive, service, command, user, group, line, ufw, mysqlDatabase, mysqlUser, mysqlReplica, certificate, sumoConnection, sumoMonitor, sumoDashboard].map((type) => [type.name, type]),
);
