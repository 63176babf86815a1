// The default application of provision's app role (Node.js, no dependencies).
// GET /        → which host answered, so the load balancing is visible.
// GET /health  → 200 when the database answers a query, 503 when it does not.
'use strict';
const http = require('node:http');
const os = require('node:os');
const { execFile } = require('node:child_process');

const port = Number(process.env.PORT || 3000);
const optionsFile = process.env.DB_OPTIONS_FILE;

// A database that is restarting (a config change on the primary) refuses
// connections for a few seconds: such a query is tried again for up to
// RETRY_MS, so the request waits instead of failing. Any other error fails it at once.
const RETRY_MS = 5000;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 1000;
// Can't connect (socket, TCP), lost connection at the handshake, server shutting down.
const NOT_REACHABLE = /^ERROR (2002|2003|2013|1053) /m;

function queryOnce(done) {
  // The client reads host, user and password from the 0640 options file: nothing secret in argv.
  execFile('mariadb', [`--defaults-extra-file=${optionsFile}`, '-N', '-B', '-e', 'SELECT 1'], { timeout: 3000 }, (err, stdout, stderr) =>
    done(err ? new Error(String(stderr).trim() || err.message) : null, String(stdout).trim()),
  );
}

function checkDatabase(done) {
  if (!optionsFile) return done(new Error('no database configured'));
  const giveUpAt = Date.now() + RETRY_MS;
  const attempt = (backoff) =>
    queryOnce((err, out) => {
      if (err && NOT_REACHABLE.test(err.message) && Date.now() + backoff < giveUpAt) {
        setTimeout(() => attempt(Math.min(backoff * 2, MAX_BACKOFF_MS)), backoff);
        return;
      }
      done(err, out);
    });
  attempt(FIRST_BACKOFF_MS);
}

http
  .createServer((req, res) => {
    if (req.url === '/health') {
      checkDatabase((err) => {
        res.writeHead(err ? 503 : 200, { 'content-type': 'application/json' });
        res.end(`${JSON.stringify({ host: os.hostname(), database: err ? 'down' : 'ok', ...(err ? { error: err.message } : {}) })}\n`);
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`Hello from ${os.hostname()}\n`);
  })
  .listen(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));
