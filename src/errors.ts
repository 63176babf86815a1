/** Where in a user's file something went wrong (1-based line and column). */
export interface SourcePosition {
  /** Path of the file as the user named it. */
  file: string;
  /** 1-based line number. */
  line: number;
  /** 1-based column number. */
  col: number;
}

/**
 * A problem with the user's input (inventory, role, template, arguments).
 * The CLI prints it without a stack trace and exits 2.
 */
export class UserError extends Error {
  constructor(
    message: string,
    /** Where the problem is, when it comes from a file. */
    readonly position?: SourcePosition,
  ) {
    super(message);
    this.name = 'UserError';
  }

  /** `file:line:col: message`, or just the message when there is no position. */
  format(): string {
    const p = this.position;
    return p ? `${p.file}:${p.line}:${p.col}: ${this.message}` : this.message;
  }
}

/** Several user errors found in one pass, reported together. */
export class UserErrors extends UserError {
  constructor(readonly errors: UserError[]) {
    super(errors.map((e) => e.format()).join('\n'));
    this.name = 'UserErrors';
  }

  override format(): string {
    return this.message;
  }
}

/** The operator interrupted the command (Ctrl-C) before this was done: not a failure of the host. */
export class Interrupted extends Error {}

/** The error's message without a stack, for any thrown value. */
export function messageOf(err: unknown): string {
  if (err instanceof UserError) return err.format();
  if (err instanceof Error) return err.message;
  return String(err);
}
