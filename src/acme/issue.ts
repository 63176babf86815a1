/** An order guarded by the backoff file: a recent failure stops a new order (and says so); a success clears it. */
import { orderCertificate, type IssuedCertificate, type OrderRequest } from './order.js';
import { backoffUntil, clearFailure, failureFile, readFailure, recordFailure } from './state.js';

/** Orders unless backing off after a failure; records the outcome. Throws with the real cause. */
export async function orderWithBackoff(req: OrderRequest, now: () => Date = () => new Date()): Promise<IssuedCertificate> {
  const file = failureFile(req.stateDir, req.directoryUrl, req.domains);
  const last = readFailure(file);
  const until = backoffUntil(last, now());
  if (last && until) {
    throw new Error(`not ordering: the last order failed at ${last.lastFailure} (${last.error}); backing off until ${until.toISOString()} (delete ${file} to retry now)`);
  }
  try {
    const issued = await orderCertificate(req);
    clearFailure(file);
    return issued;
  } catch (err) {
    const message = (err as Error).message;
    const record = recordFailure(file, message, now());
    throw new Error(`${message} (failed order ${record.failures} in a row; the next waits until ${backoffUntil(record, now())?.toISOString()})`);
  }
}
