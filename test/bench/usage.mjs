// Preloaded by the benchmark (node --import): reports the process's peak RSS (KiB) and CPU time (user + system, µs) on exit, as JSON on fd 3 when open.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const usage = process.resourceUsage();
  try {
    writeSync(3, `${JSON.stringify({ maxRssKb: usage.maxRSS, cpuUs: usage.userCPUTime + usage.systemCPUTime })}\n`);
  } catch {
    // fd 3 is not open: run outside the benchmark.
  }
});
