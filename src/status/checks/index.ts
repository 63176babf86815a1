/** The status check kinds roles declare under `status:`, by name. */
import type { AnyStatusCheckType } from '../types.js';
import { mysqlReplicationCheck } from './mysql-replication.js';
import { nginxRequestsCheck } from './nginx-requests.js';
import { systemCheck } from './system.js';
import { tlsCertificateCheck } from './tls-certificate.js';

/** Every status check kind, keyed by its name. */
export const statusCheckTypes: Record<string, AnyStatusCheckType> = Object.fromEntries([systemCheck, nginxRequestsCheck, tlsCertificateCheck, mysqlReplicationCheck].map((kind) => [kind.name, kind]));
