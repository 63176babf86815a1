import { defineConfig } from 'vitest/config';
import LabOrder from './test/lab/lab-order.js';

export default defineConfig({
  test: {
    // The lab files in an order that makes each one's start cheap (lab-order.ts says which and why).
    sequence: { sequencer: LabOrder },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/roles/**/*.test.ts'],
          // The CLI bundled once for the tests that run it as a process (cli-bundle.ts says why).
          globalSetup: ['test/support/cli-bundle.ts'],
          // Many start a process (tsx, ansible's Python, ssh-keygen, sops): on two cores shared with the
          // lab's hosts and tests, vitest's 5 s default failed them by time, not by result.
          testTimeout: 60_000,
          // Vitest's default is one worker on two cores; the unit files wait on the processes they start
          // as much as they compute, so two keep both cores busy (the lab's files run after, one at a time).
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          // The lab is built and booted once; every lab test file shares it, one file at a time.
          globalSetup: ['test/lab/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
