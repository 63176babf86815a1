/** ACME directories by name. */

/** Let's Encrypt's directories: production (the default) and staging (for trying out: untrusted certificates, generous limits). */
export const LETS_ENCRYPT = {
  production: 'https://acme-v02.api.letsencrypt.org/directory',
  staging: 'https://acme-staging-v02.api.letsencrypt.org/directory',
} as const;

/** Pure: `production`, `staging` or an https URL → the directory URL; undefined when it is none of these. */
export function resolveDirectory(value: string): string | undefined {
  if (value === 'production' || value === 'staging') return LETS_ENCRYPT[value];
  return /^https:\/\/[^\s/]+(\/\S*)?$/.test(value) ? value : undefined;
}
