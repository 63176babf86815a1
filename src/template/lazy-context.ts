/**
 * Variables computed when read, as Ansible does: a variable's template is
 * rendered (and a secret read) only when something uses it, so an unused
 * variable may hold Jinja2 this tool does not render, or a vaulted value
 * without its password, and a run that does not need it goes on. Each value is
 * computed once; a variable that needs itself is an error.
 */
import { JinjaError } from './jinja.js';

/** Variables whose values are computed on first read. */
export type LazyContext = Record<string, unknown>;

/** Computes one variable's value: `context` is the whole context, for the variables it refers to. */
export type RenderVariable = (name: string, value: unknown, context: LazyContext) => unknown;

/**
 * An object with one getter per variable (own, enumerable properties, so
 * Handlebars' strict lookup and `in` see them); `fixed` values are taken as they are. `read` is applied to
 * a computed value at each read (not once: what it depends on may change after the value is computed).
 */
export function lazyContext(values: Iterable<readonly [string, unknown]>, render: RenderVariable, fixed: Record<string, unknown> = {}, read: (value: unknown) => unknown = (value) => value): LazyContext {
  const context: LazyContext = {};
  const computing = new Set<string>();
  for (const [name, raw] of values) {
    let done: { value: unknown } | undefined;
    Object.defineProperty(context, name, {
      enumerable: true,
      configurable: true,
      get() {
        if (done) return read(done.value);
        if (computing.has(name)) throw new JinjaError(`variable '${name}' refers to itself (${[...computing, name].join(' → ')})`);
        computing.add(name);
        try {
          done = { value: render(name, raw, context) };
        } finally {
          computing.delete(name);
        }
        return read(done.value);
      },
    });
  }
  for (const [name, value] of Object.entries(fixed)) Object.defineProperty(context, name, { value, enumerable: true, configurable: true });
  return context;
}

/** A context with the variables of `base` (computed by base, once) and `extra` set over them, without reading any of base's. */
export function extendContext(base: LazyContext, extra: Record<string, unknown>): LazyContext {
  const context: LazyContext = {};
  for (const name of Object.keys(base)) {
    if (Object.hasOwn(extra, name)) continue;
    Object.defineProperty(context, name, { enumerable: true, configurable: true, get: () => base[name] });
  }
  for (const [name, value] of Object.entries(extra)) Object.defineProperty(context, name, { value, enumerable: true, configurable: true });
  return context;
}
