/**
 * Requests to the reference site from the control side: https://www.foobar.com
 * resolved to the lab's load balancer (a lab address only), one at a time or as
 * a bounded loop at a fixed rate that stops by itself.
 */
import { request } from 'node:https';
import { LAB_ADDRESSES } from '../lab/lab.js';

const LB = LAB_ADDRESSES['lb-01'];

/** GET (or POST) https://www.foobar.com/PATH from the control side, on a connection of its own, resolved to the load balancer. */
export function getSite(path: string, options: { method?: 'GET' | 'POST'; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // The lab's certificate is checked by the certificate tests; here the point is the proxying.
    const req = request(
      { host: LB, port: 443, path, method: options.method ?? 'GET', servername: 'www.foobar.com', headers: { host: 'www.foobar.com' }, rejectUnauthorized: false, timeout: options.timeoutMs ?? 5000, agent: false },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out: ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

/** What a request loop saw. */
export interface LoopReport {
  /** Requests sent. */
  sent: number;
  /** Those that did not answer 200, with what they got instead. */
  failed: string[];
  /** How often each body was answered (200 only). */
  bodies: Map<string, number>;
}

/**
 * Sends a request to / every `intervalMs` (each on a new connection, not
 * waiting for the one before) until `stop()` or `maxMs`, whichever comes
 * first; `stop()` waits for the requests in flight and reports. Every other
 * request is a POST, which nginx does not pass on to another backend when the
 * first one fails (as a GET is): a backend restarting in rotation shows.
 */
export function requestLoop(options: { intervalMs?: number; maxMs?: number } = {}): { stop(): Promise<LoopReport> } {
  const intervalMs = options.intervalMs ?? 100;
  const report: LoopReport = { sent: 0, failed: [], bodies: new Map() };
  const inFlight = new Set<Promise<void>>();
  const started = Date.now();
  const send = (): void => {
    report.sent++;
    const method = report.sent % 2 === 0 ? 'POST' : 'GET';
    const at = `${((Date.now() - started) / 1000).toFixed(1)} s ${method}`;
    const done: Promise<void> = getSite('/', { method })
      .then(({ status, body }) => {
        if (status === 200) report.bodies.set(body.trim(), (report.bodies.get(body.trim()) ?? 0) + 1);
        else report.failed.push(`${at}: ${status} ${body.trim().slice(0, 80)}`);
      })
      .catch((err: Error) => void report.failed.push(`${at}: ${err.message}`))
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  const timer = setInterval(send, intervalMs);
  const limit = setTimeout(() => clearInterval(timer), options.maxMs ?? 120_000);
  return {
    async stop() {
      clearInterval(timer);
      clearTimeout(limit);
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      return report;
    },
  };
}
