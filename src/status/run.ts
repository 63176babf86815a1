/**
 * Runs `provision status` on hosts: every check of a host in one remote call
 * (one script, framed per check), hosts in parallel over their transports.
 * The checks come from the plan; nothing here knows what they look at.
 */
import { messageOf } from '../errors.js';
import { Batch } from '../engine/batch.js';
import { targetOf } from '../engine/host-run.js';
import { mapWithLimit } from '../engine/pool.js';
import { runsOnControl } from '../resources/types.js';
import type { HostPlan } from '../roles/plan.js';
import type { ConnectOptions, ConnectTarget, Connection } from '../transport/types.js';
import { systemCheck } from './checks/system.js';
import type { FactValue, Finding, StatusCheck, StatusColumn } from './types.js';

/** What status found on one host. */
export interface HostStatus {
  /** Inventory host name. */
  name: string;
  /** Whether the host answered. */
  reachable: boolean;
  /** No problem found (reachable, every check passed). */
  healthy: boolean;
  /** What is wrong. */
  problems: string[];
  /** Worth a look. */
  warnings: string[];
  /** Facts of the checks (load, qps, certificates, replication, ...). */
  facts: Record<string, FactValue>;
  /** The table's columns its checks bring, in their order (one per header). */
  columns: StatusColumn[];
}

/**
 * A host's checks: the system check (with a role's `system` thresholds, else its defaults), the
 * roles' `status:` declarations, then what its resources say to check (a started service runs).
 * The same check twice runs once.
 */
export function checksOf(plan: HostPlan): StatusCheck[] {
  const declared = (plan.status ?? []).map((s) => s.type.check(s.desired));
  const contributed = plan.resources.flatMap((r) => (runsOnControl(r.type) ? [] : [r.type.status?.(r.desired)])).filter((c): c is StatusCheck => c !== undefined);
  const all = [...declared, ...contributed];
  if (!all.some((c) => c.key === systemCheck.name)) all.unshift(systemCheck.check(systemCheck.validate({})));
  const keys = new Set<string>();
  return all.filter((c) => !keys.has(c.key) && keys.add(c.key));
}

/** The columns of a host's checks, one per header, in the checks' order. */
function columnsOf(checks: StatusCheck[]): StatusColumn[] {
  const headers = new Set<string>();
  return checks.flatMap((c) => c.columns).filter((c) => !headers.has(c.header) && headers.add(c.header));
}

/** The findings of a host's checks as one status: lists of facts are joined, other facts replaced. */
export function merge(name: string, findings: Finding[], columns: StatusColumn[]): HostStatus {
  const status: HostStatus = { name, reachable: true, healthy: true, problems: [], warnings: [], facts: {}, columns };
  for (const finding of findings) {
    status.problems.push(...finding.problems);
    status.warnings.push(...finding.warnings);
    for (const [key, value] of Object.entries(finding.facts)) {
      const before = status.facts[key];
      status.facts[key] = Array.isArray(before) && Array.isArray(value) ? [...before, ...value] : value;
    }
  }
  status.healthy = status.problems.length === 0;
  return status;
}

function unreachable(name: string, why: string, columns: StatusColumn[]): HostStatus {
  return { name, reachable: false, healthy: false, problems: [`unreachable: ${why}`], warnings: [], facts: {}, columns };
}

/** Runs a host's checks over an open connection, in one remote call; undefined when the connection was lost. */
async function checkHost(name: string, checks: StatusCheck[], connection: Connection): Promise<HostStatus | undefined> {
  const batch = new Batch();
  const response = await connection.runScript(batch.probeScript(checks.map((c) => c.script)));
  if (response.code === null) return undefined;
  const sections = batch.parse(response.stdout);
  const findings = checks.map((check, index): Finding => {
    const section = sections.get(index);
    if (section === undefined || section.code !== 0) return { facts: {}, problems: [`${check.key}: the check failed (exit ${section?.code ?? response.code})`], warnings: [] };
    try {
      return check.read(section.output);
    } catch (err) {
      return { facts: {}, problems: [`${check.key}: ${messageOf(err)}`], warnings: [] };
    }
  });
  return merge(name, findings, columnsOf(checks));
}

/** How to reach the hosts. */
export interface StatusOptions {
  /** Hosts at once. */
  forks: number;
  /** Connection settings. */
  connect: ConnectOptions;
  /** Opens a connection (the transport the host's inventory entry names). */
  openConnection: (target: ConnectTarget, options: ConnectOptions) => Promise<Connection>;
  /** Longest wait for one host's checks once connected (a check that hangs, a host that stops answering): with its connection timeout (its own, else connect's), its deadline. */
  checksMs: number;
}

/** What a host's round came to before its deadline (`late`: it did not end in time). */
type Outcome = { done: HostStatus } | { late: true };

/** Checks hosts, again and again for --watch: a connection stays open between rounds (and is opened again after it was lost). */
export class StatusRunner {
  readonly #connections = new Map<string, Connection>();
  /** Closed (Ctrl-C): a connection that opens after that is closed at once. */
  #closed = false;

  constructor(
    private readonly plans: HostPlan[],
    private readonly options: StatusOptions,
  ) {}

  /** One round: every host's status, in the plans' order. */
  async run(): Promise<HostStatus[]> {
    return mapWithLimit(this.plans, this.options.forks, (plan) => this.#host(plan));
  }

  /** A host's status, or 'no answer' once its deadline passed (its connection is then dropped, a late one closed). */
  async #host(plan: HostPlan): Promise<HostStatus> {
    // Closed (Ctrl-C) while hosts still waited for a fork: none is connected to any more.
    if (this.#closed) return unreachable(plan.host.name, 'not checked: stopped', columnsOf(checksOf(plan)));
    const round = { late: false };
    let timer: NodeJS.Timeout | undefined;
    // Unreferenced: a round given up (Ctrl-C) leaves nothing that keeps the process from ending.
    const own = plan.host.connection.timeoutSeconds;
    const deadlineMs = (own !== undefined ? own * 1000 : this.options.connect.timeoutMs) + this.options.checksMs;
    const deadline = new Promise<Outcome>((resolve) => (timer = setTimeout(() => resolve({ late: true }), deadlineMs).unref()));
    const outcome = await Promise.race([this.#check(plan, round).then((done): Outcome => ({ done })), deadline]);
    clearTimeout(timer);
    if ('done' in outcome) return outcome.done;
    round.late = true;
    await this.#drop(plan.host.name);
    return unreachable(plan.host.name, `no answer within ${Math.ceil(deadlineMs / 1000)} s`, columnsOf(checksOf(plan)));
  }

  async #check(plan: HostPlan, round: { late: boolean }): Promise<HostStatus> {
    const name = plan.host.name;
    const checks = checksOf(plan);
    let connection = this.#connections.get(name);
    try {
      if (connection === undefined) {
        const opened = await this.options.openConnection(targetOf(plan.host), this.options.connect);
        // Opened after the deadline, or after the runner was closed: nobody waits for it any more.
        if (round.late || this.#closed) {
          await opened.close().catch(() => undefined);
          return unreachable(name, 'connected too late', columnsOf(checks));
        }
        connection = opened;
        this.#connections.set(name, connection);
      }
      const status = await checkHost(name, checks, connection);
      if (status !== undefined) return status;
      if (!round.late) await this.#drop(name);
      return unreachable(name, 'the connection was lost', columnsOf(checks));
    } catch (err) {
      // After the deadline the connection was dropped already (a later round may hold a new one).
      if (!round.late) await this.#drop(name);
      return unreachable(name, messageOf(err), columnsOf(checks));
    }
  }

  async #drop(name: string): Promise<void> {
    const connection = this.#connections.get(name);
    this.#connections.delete(name);
    await connection?.close().catch(() => undefined);
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#connections.keys()].map((name) => this.#drop(name)));
  }
}
