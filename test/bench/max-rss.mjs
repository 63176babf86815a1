// Preloaded by the benchmark (node --import): reports the process's peak RSS on exit, on fd 3 when open.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  try {
    writeSync(3, `${process.resourceUsage().maxRSS}\n`);
  } catch {
    // fd 3 is not open: run outside the benchmark.
  }
});
