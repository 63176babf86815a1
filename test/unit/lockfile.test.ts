/** Dependencies are pinned: `npm ci` installs exactly what package-lock.json names, each checked by its integrity hash. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  version?: string;
  integrity?: string;
  link?: boolean;
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { lockfileVersion: number; packages: Record<string, LockEntry> };

describe('package-lock.json', () => {
  it('is a lockfile npm ci can install from (version 3)', () => {
    expect(lock.lockfileVersion).toBe(3);
  });

  it('pins every installed package to one version with an integrity hash', () => {
    const unpinned = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.link)
      .filter(([, entry]) => !entry.version || !/^sha(256|384|512)-/.test(entry.integrity ?? ''))
      .map(([path]) => path);
    expect(unpinned).toEqual([]);
  });

  it('holds every dependency package.json names', () => {
    const missing = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter((name) => !lock.packages[`node_modules/${name}`]);
    expect(missing).toEqual([]);
  });
});
