import { randomBytes } from 'node:crypto';
import { insert, joinShell, lines, sh, trusted, variable, type Shell } from '../shell/quote.js';
import { forgetSuccess, noteInState } from './host-state.js';

/**
 * One remote script made of several sections, each framed by markers so the
 * output can be split back per section. Pure: builds text and parses text.
 */
export class Batch {
  /** Random per batch, so no file content or command output can fake a marker. */
  readonly marker = `@@provision-${randomBytes(6).toString('hex')}`;

  constructor(
    /** File whose flock is the host's lock: one provision run changes a host at a time. */
    private readonly lockPath = '/run/provision.lock',
    /** Seconds an apply waits for another run's lock before giving up (exit 75). */
    private readonly lockWaitSeconds = 60,
  ) {}

  /**
   * Probe script: each probe's stdout is its own section; stderr goes to the
   * batch's stderr. All probes run even if one fails. Each probe runs in a
   * subshell of its own (whatever it does stays in it), an inline one in the
   * batch's shell itself (no process). Sections read nothing from stdin but a
   * `reply` one, which reads the control node's answer to what the sections
   * before it printed (RunScriptOptions.reply): the script is one brace group,
   * so the shell has read all of it before it runs any of it, and the answer
   * that follows it on stdin is left to that section.
   */
  probeScript(probes: readonly ProbeSection[]): Shell {
    const sections = probes.map((probe, i) => {
      const body = typeof probe === 'string' ? sh`(\n${insert(probe)}\n) </dev/null` : 'reply' in probe ? sh`{\n${insert(probe.reply)}\n}` : sh`{\n${insert(probe.inline)}\n} </dev/null`;
      return sh`printf '%s\\n' ${`${this.marker} begin ${i}`}\n${insert(body)}\nprintf '\\n%s %d\\n' ${`${this.marker} end ${i}`} "$?"\n`;
    });
    return sh`{\n${insert(joinShell(sections, ''))}}\n`;
  }

  /** The line of the probe script's stdout that says its section `index` began: all before it ended (for a `reply` section's answer). */
  beginLine(index: number): string {
    return `${this.marker} begin ${index}`;
  }

  /**
   * Apply script: takes the host's lock (waiting for another run to finish),
   * then runs each step in a `set -e` subshell with stdout and stderr merged
   * (unless the step keeps its stderr apart) and stdin closed;
   * the batch stops at the first step that fails and releases the lock.
   * Before each step it looks for its stop file (stopScript): a stopped batch
   * finishes the step it is running and starts no other. A step that finds
   * nothing to do once it runs calls `provision_unchanged`; a step with
   * `after` (a handler) runs only when one of those steps changed something.
   * With `record`, the notes of the last success (host-state.ts) in its
   * directory are removed before the first step, the marker that an apply ever
   * succeeded kept; with `record.note` (no change of the run follows this call)
   * last-apply is made again after the last step, only when every step
   * succeeded and none found its decision stale (a round that decides it again
   * follows), and the script says so (a `noted` line, parse's `noted`).
   */
  applyScript(steps: ReadonlyArray<Shell | ApplyStep>, handlers?: PendingHandlers, record?: ApplyRecord): Shell {
    const go = insert(sh`[ ! -e ${this.#stopFile()} ] || exit 0\n`);
    const none = trusted('');
    const unstamp = record === undefined ? none : forgetSuccess(record.dir);
    const restamp = record?.note === true ? sh`${go}[ -n "$__stale" ] || { ${insert(noteInState(record.dir))} && printf '%s\\n' ${`${this.marker} noted`}; }\n` : none;
    const unchanged = this.#unchangedFile();
    // The shell variable set to 1 by step i when it changed something.
    const changedVar = (i: number): Shell => variable(`__c${i}`);
    const run = (step: ApplyStep, i: number): Shell =>
      lines(
        sh`printf '%s\\n' ${`${this.marker} begin ${i}`}`,
        // A test, not rm: no process where (as almost always) there is no file.
        sh`[ ! -e ${unchanged} ] || rm -f ${unchanged}`,
        sh`( set -e\n${insert(step.script)}\n) ${insert(step.stderr === 'apart' ? none : trusted('2>&1 '))}</dev/null 9>&-`,
        '__rc=$?',
        sh`if [ -e ${unchanged} ]; then read -r __f <${unchanged}; ${insert(changedVar(i))}=; else __f=changed; ${insert(changedVar(i))}=1; fi`,
        '[ "$__f" != stale ] || __stale=1',
        sh`printf '\\n%s %d %s\\n' ${`${this.marker} end ${i}`} "$__rc" "$__f"`,
        '[ "$__rc" -eq 0 ] || exit 0',
        '',
      );
    const idle = (i: number): Shell => sh`printf '%s\\n%s\\n' ${`${this.marker} begin ${i}`} ${`${this.marker} end ${i} 0 idle`}\n`;
    const sections = steps.map((raw, i) => {
      const step: ApplyStep = typeof raw === 'string' ? { script: raw } : raw;
      if (step.after === undefined) return sh`${go}${insert(run(step, i))}`;
      const changed = joinShell(step.after.map((j) => sh`$${insert(changedVar(j))}`), '');
      return sh`${go}if [ -n "${insert(changed)}" ]; then\n${insert(run(step, i))}else\n${insert(idle(i))}fi\n`;
    });
    return joinShell(
      [
        this.#lock(),
        sh`__stale=\nprovision_unchanged() { echo unchanged >${unchanged}; }\n`,
        sh`provision_stale() { echo stale >${unchanged}; }\n`,
        // A step names the phase it starts (for timing): a line of its own, not part of its output.
        sh`provision_phase() { printf '%s %s\\n' ${`${this.marker} phase`} "$1"; }\n`,
        unstamp,
        this.#recordHandlers(handlers),
        ...sections,
        handlers?.clear ? sh`${go}rm -f ${`${handlers.dir}/pending-handlers`}\n` : none,
        restamp,
      ],
      '',
    );
  }

  /** Asks this batch's apply script, running beside it, to stop after its current step (Ctrl-C). */
  stopScript(): Shell {
    return sh`touch ${this.#stopFile()}`;
  }

  /** Beside the lock file, named for this batch only; removed when the batch ends. */
  #stopFile(): string {
    return `${this.lockPath}.stop-${this.#id()}`;
  }

  /** Where a step notes that it found nothing to do (provision_unchanged); removed when the batch ends. */
  #unchangedFile(): string {
    return `${this.lockPath}.unchanged-${this.#id()}`;
  }

  #id(): string {
    return this.marker.slice(this.marker.lastIndexOf('-') + 1);
  }

  /**
   * Before any step, notes on the host the handlers this run has to run, so a
   * run that fails (or loses the connection) before they ran leaves them due.
   */
  #recordHandlers(handlers: PendingHandlers | undefined): Shell {
    if (!handlers || handlers.ids.length === 0) return trusted('');
    return sh`mkdir -p ${handlers.dir} && printf '%s\\n' ${handlers.ids} > ${`${handlers.dir}/pending-handlers`}\n`;
  }

  /**
   * flock on the lock file: the kernel releases it when the script's shell ends, however it
   * ends (a killed session leaves no stale lock). Steps run without the descriptor, so a
   * daemon a step starts cannot keep it. The files of other batches are stale once the lock is ours (each
   * batch's EXIT trap removes its own, but not a stop that lands after it, one before a lock given up on, nor
   * after SIGKILL); this batch's own stop file stays, as a Ctrl-C can land while the script waits for the lock.
   */
  #lock(): Shell {
    const lock = this.lockPath;
    // The trap's text is itself a quoted word holding quoted words.
    const cleanup = sh`rm -f ${this.#stopFile()} ${this.#unchangedFile()}`;
    return sh`exec 9>>${lock}
if ! flock -w ${this.lockWaitSeconds} 9; then
  echo ${`another provision run is changing this host (lock ${this.lockPath} held by `}"$(cat ${lock} 2>/dev/null)"${`); gave up after ${this.lockWaitSeconds} s`} >&2
  exit 75
fi
printf 'pid %s since %s\\n' "$$" "$(date '+%Y-%m-%d %H:%M:%S')" > ${lock}
for __stale in ${lock}.stop-* ${lock}.unchanged-*; do [ "$__stale" = ${this.#stopFile()} ] || [ ! -e "$__stale" ] || rm -f "$__stale"; done
trap ${String(cleanup)} EXIT
trap 'exit 129' HUP
trap 'exit 143' TERM
trap 'exit 141' PIPE
`;
  }

  /** Whether an apply script's stdout says it noted the success (applyScript's `record.note`). */
  noted(stdout: string): boolean {
    return stdout.split('\n').includes(`${this.marker} noted`);
  }

  /** Splits a batch's stdout into sections: index → output and exit code. Sections that never ended are absent. */
  parse(stdout: string): Map<number, SectionResult> {
    const sections = new Map<number, SectionResult>();
    const parser = this.streamParser(() => undefined, (i, result) => sections.set(i, result));
    parser.push(stdout);
    return sections;
  }

  /** Incremental parser for streamed output: calls back as sections begin and end, and as a step names a phase (provision_phase). */
  streamParser(
    onBegin: (index: number) => void,
    onEnd: (index: number, result: SectionResult) => void,
    onPhase: (index: number, phase: string) => void = () => undefined,
  ): { push(chunk: string): void } {
    let pending = '';
    let current: { index: number; lines: string[] } | undefined;
    const begin = `${this.marker} begin `;
    const end = `${this.marker} end `;
    const phase = `${this.marker} phase `;
    return {
      push: (chunk: string) => {
        pending += chunk;
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line.startsWith(begin)) {
            current = { index: Number(line.slice(begin.length)), lines: [] };
            onBegin(current.index);
          } else if (line.startsWith(end) && current) {
            const [, code, outcome] = line.slice(end.length).split(' ');
            // The end marker follows a newline of its own, so joining the lines drops exactly that one.
            const result: SectionResult = { output: current.lines.join('\n'), code: Number(code) };
            if (outcome === 'unchanged' || outcome === 'idle' || outcome === 'stale') result.outcome = outcome;
            onEnd(current.index, result);
            current = undefined;
          } else if (line.startsWith(phase) && current) {
            onPhase(current.index, line.slice(phase.length));
          } else if (current) {
            current.lines.push(line);
          }
        }
      },
    };
  }
}

/** A probeMany section's output cut at the separator lines: one part per item, or undefined when the count is not `count`. */
export function splitItems(output: string, separator: string, count: number): string[] | undefined {
  const parts: string[] = [];
  let current: string[] = [];
  for (const line of output.split('\n')) {
    if (line === separator) {
      parts.push(current.join('\n'));
      current = [];
    } else {
      current.push(line);
    }
  }
  // What follows the last separator is only the batch's own line end.
  return parts.length === count && current.join('') === '' ? parts : undefined;
}

/**
 * A section of a probe script: a probe (run in a subshell), or `inline` shell
 * text run in the batch's own shell, which starts no process for it: for
 * provision's own short reads and notes and for the probes of types marked
 * `probeInline` (the rules such text keeps: ResourceType.probeInline); or
 * `reply`, inline text that may read the control node's answer from stdin
 * (probeScript).
 */
export type ProbeSection = Shell | { readonly inline: Shell } | { readonly reply: Shell };

/** The host's notes of its last success an apply script keeps (applyScript). */
export interface ApplyRecord {
  /** The host's state directory. */
  dir: string;
  /** This call is the run's last change: it notes the success when every step succeeds. */
  note: boolean;
}

/** Handlers a run has to run, kept on the host until they did. */
export interface PendingHandlers {
  /** Directory on the host holding the `pending-handlers` file. */
  dir: string;
  /** Ids of the handlers due. */
  ids: string[];
  /** This batch runs every due handler: it removes the file when all its steps succeed. */
  clear: boolean;
}

/** One section's output. */
export interface SectionResult {
  /** What the section printed (stdout; for apply steps stdout and stderr merged). */
  output: string;
  /** Its exit code. */
  code: number;
  /** An apply step that found nothing to do once it ran (unchanged), one that found the state it was decided from gone and changed nothing (stale), or a handler nothing notified that did not run (idle). */
  outcome?: 'unchanged' | 'idle' | 'stale';
}

/** One step of an apply script. */
export interface ApplyStep {
  /** Its script. */
  script: Shell;
  /** Run only when one of these earlier steps changed something (a handler and what notifies it). */
  after?: readonly number[];
  /** Leave the step's stderr on the batch's stderr instead of merging it into its output (for tests that check the two apart). */
  stderr?: 'apart';
}
