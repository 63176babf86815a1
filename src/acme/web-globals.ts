/**
 * Node's fetch classes are lazy globals: the first read of any of them loads Node's whole fetch
 * implementation (undici). axios reads them as it loads (its fetch adapter and its FormData check),
 * though acme-client sends every request with axios's http adapter. order.ts loads acme-client's
 * modules through `withWebGlobalsHidden` (measured on `renew --force` of the lab, 3 runs each in
 * turn: peak RSS 75.5 → 70.2 MiB).
 */
const LAZY_FETCH_CLASSES = ['FormData', 'Headers', 'Request', 'Response'];

/**
 * Runs `load` with the lazy fetch classes hidden, unread, and puts them back as they were (still
 * lazy, still unread) however it ends: a module that throws while loading does not leave them undefined.
 */
export async function withWebGlobalsHidden<T>(load: () => Promise<T>): Promise<T> {
  const hidden = new Map<string, PropertyDescriptor>();
  for (const name of LAZY_FETCH_CLASSES) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    // Only a getter not read yet loads undici; a plain value is already loaded or someone's own.
    if (descriptor?.get === undefined || descriptor.configurable !== true) continue;
    hidden.set(name, descriptor);
    Object.defineProperty(globalThis, name, { value: undefined, writable: true, configurable: true });
  }
  try {
    return await load();
  } finally {
    for (const [name, descriptor] of hidden) Object.defineProperty(globalThis, name, descriptor);
  }
}
