import { UserError, UserErrors, type SourcePosition } from '../errors.js';

/** Collects every problem found in one pass so the user sees them all at once, not one per run. */
export class ErrorList {
  readonly #errors: UserError[] = [];
  readonly #seen = new Set<string>();

  /** Records a problem; the same message at the same place is kept once (an aliased node is read several times). */
  add(message: string, position?: SourcePosition): void {
    const error = new UserError(message, position);
    const key = error.format();
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.#errors.push(error);
  }

  /** Number of problems recorded so far. */
  get count(): number {
    return this.#errors.length;
  }

  /** Throws the single problem as a UserError, several as UserErrors in file order; does nothing when there are none. */
  throwIfAny(): void {
    if (this.#errors.length === 0) return;
    if (this.#errors.length === 1) throw this.#errors[0]!;
    throw new UserErrors([...this.#errors].sort(byPosition));
  }
}

/** File order; problems without a position (command line) come last. Array.sort is stable, so ties keep discovery order. */
function byPosition(a: UserError, b: UserError): number {
  const p = a.position;
  const q = b.position;
  if (!p || !q) return (p ? 0 : 1) - (q ? 0 : 1);
  return p.file.localeCompare(q.file) || p.line - q.line || p.col - q.col;
}
