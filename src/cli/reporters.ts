import type { HostResult, RunEvent } from '../engine/results.js';
import { maskedJson } from '../secrets.js';
import { display } from './display.js';
import { formatChanges } from './diff-text.js';
import { formatPlan } from './plan-text.js';
import { formatRecap, jsonReport } from './recap.js';
import { rolloutEventLine } from './rollout-text.js';

/** Shows a run to the user. Every text goes through display() on its way out (secrets masked, control characters escaped). */
export interface Reporter {
  /** A live event from the engine. */
  onEvent(event: RunEvent): void;
  /** The run ended: print what is left (diffs, recap, JSON). */
  done(hosts: HostResult[]): Promise<void>;
}

/** What a reporter needs to know about the run. */
export interface ReporterOptions {
  /** Check mode (nothing changes). */
  check: boolean;
  /** Show change lists and diffs. */
  diff: boolean;
  /** New files in full (--full-diff), not only their first lines. */
  fullDiff: boolean;
  /** Host names in order. */
  hosts: string[];
  /** Where text goes (stdout). */
  write: (text: string) => void;
}

/** Line-per-event output for cron and CI; in check mode, the plan (hosts grouped) at the end. */
export class PlainReporter implements Reporter {
  constructor(private readonly options: ReporterOptions) {}

  onEvent(event: RunEvent): void {
    const out = (line: string): void => this.options.write(`${display(line)}\n`);
    if (event.kind === 'notice') out(`${event.host} | notice | ${event.message}`);
    if (event.kind === 'resource' && !this.options.check) {
      const r = event.result;
      out(`${r.host} | ${r.status} | ${r.handler ? 'handler ' : ''}${r.resource}${r.error ? `: ${r.error}` : ''}`);
      if (this.options.diff && r.changes.length > 0 && r.status !== 'ok') out(formatChanges(r.changes, this.options.fullDiff));
    }
    if (event.kind === 'host-done' && event.result.unreachable) out(`${event.result.name} | unreachable | ${event.result.error}`);
    const rolling = rolloutEventLine(event);
    if (rolling) out(rolling);
  }

  async done(hosts: HostResult[]): Promise<void> {
    const plan = this.options.check ? formatPlan(hosts, { diff: this.options.diff, full: this.options.fullDiff }) : '';
    this.options.write(display(`${plan ? `${plan}\n` : ''}\n${formatRecap(hosts, this.options.check)}\n`));
  }
}

/** One JSON document at the end; nothing else on stdout. */
export class JsonReporter implements Reporter {
  constructor(private readonly options: ReporterOptions) {}

  onEvent(): void {}

  async done(hosts: HostResult[]): Promise<void> {
    // Masked before serialising, where each secret is still in the form the text holds it in.
    this.options.write(`${display(maskedJson(jsonReport(hosts, this.options.check), 2))}\n`);
  }
}

/** listr2 progress on a terminal: a line per host, then diffs and the recap. */
export class TtyReporter implements Reporter {
  #finish = new Map<string, (result: HostResult) => void>();
  #titles = new Map<string, (title: string) => void>();
  /** Notices (warnings among them), shown after the progress: listr redraws over lines written meanwhile. */
  #notices: string[] = [];
  #listr: Promise<unknown>;

  constructor(private readonly options: ReporterOptions) {
    this.#listr = this.#start();
  }

  async #start(): Promise<unknown> {
    const { Listr } = await import('listr2');
    const tasks = this.options.hosts.map((host) => ({
      title: `${host}: waiting`,
      task: (_: unknown, task: { title: string }) =>
        new Promise<void>((resolve, reject) => {
          this.#titles.set(host, (title) => (task.title = display(`${host}: ${title}`)));
          this.#finish.set(host, (result) => {
            task.title = display(`${host}: ${summary(result, this.options.check)}`);
            if (result.unreachable || result.failed) reject(new Error(display(result.error ?? 'failed')));
            else resolve();
          });
        }),
    }));
    return new Listr(tasks, { concurrent: true, exitOnError: false, registerSignalListeners: false, rendererOptions: { collapseErrors: false } }).run().catch(() => undefined);
  }

  onEvent(event: RunEvent): void {
    const set = (host: string, title: string): void => this.#titles.get(host)?.(title);
    if (event.kind === 'host-start') set(event.host, 'connecting');
    if (event.kind === 'host-connected') set(event.host, 'reading state');
    if (event.kind === 'resource-start') set(event.host, event.resource);
    if (event.kind === 'batch') for (const host of event.hosts) set(host, `batch ${event.batch}/${event.batches} of ${event.set}`);
    if (event.kind === 'rollout') set(event.host, event.message);
    if (event.kind === 'notice') this.#notices.push(`${event.host} | notice | ${event.message}`);
    if (event.kind === 'host-done') void this.#whenReady(event.result);
  }

  async #whenReady(result: HostResult): Promise<void> {
    // The listr task may not have started yet when a host fails fast.
    while (!this.#finish.has(result.name)) await new Promise((r) => setTimeout(r, 10));
    this.#finish.get(result.name)!(result);
  }

  async done(hosts: HostResult[]): Promise<void> {
    await this.#listr;
    for (const notice of this.#notices) this.options.write(`${display(notice)}\n`);
    if (this.options.check) {
      const plan = formatPlan(hosts, { diff: this.options.diff, full: this.options.fullDiff });
      if (plan) this.options.write(display(`${plan}\n`));
    } else if (this.options.diff) {
      for (const r of hosts.flatMap((h) => h.results).filter((x) => x.status !== 'ok' && x.changes.length > 0)) {
        this.options.write(display(`${r.host} | ${r.handler ? 'handler ' : ''}${r.resource}\n${formatChanges(r.changes, this.options.fullDiff)}\n`));
      }
    }
    this.options.write(`\n${display(formatRecap(hosts, this.options.check))}\n`);
  }
}

function summary(result: HostResult, check: boolean): string {
  if (result.notAttempted) return `not attempted: ${result.notAttempted}`;
  if (result.unreachable) return `unreachable: ${result.error}`;
  if (result.failed) return `failed: ${result.error}`;
  const counts = check ? `to change=${result.changed} in state=${result.ok} decided at apply=${result.unknown}` : `ok=${result.ok} changed=${result.changed}`;
  return `${counts} (${(result.elapsedMs / 1000).toFixed(1)}s)`;
}
