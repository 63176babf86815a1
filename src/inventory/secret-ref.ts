import { Secret, secretProblem } from '../secrets.js';
import { describeValue } from './describe-value.js';

/** The environment secrets are read from. */
export type Env = Record<string, string | undefined>;

/** The only key of a secret reference: `{ secret: ENV_NAME }`. */
export const SECRET_KEY = 'secret';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A secret read from the environment, or what is wrong (the message never contains a value). */
export type SecretResult = { secret: Secret } | { problem: string };

/** Reads the secret named by `{ secret: envName }` from `env`; an unset, empty or too short value is a problem. */
export function secretFromEnv(envName: unknown, env: Env): SecretResult {
  if (typeof envName !== 'string' || !ENV_NAME.test(envName)) {
    return { problem: `expected { secret: ENV_NAME } naming an environment variable (letters, digits, _), got ${describeValue(envName)}` };
  }
  const value = env[envName];
  if (value === undefined || value === '') {
    return { problem: `environment variable ${envName} is unset or empty: expected it to hold the secret` };
  }
  const problem = secretProblem(value);
  if (problem !== undefined) return { problem: `environment variable ${envName}: ${problem}` };
  return { secret: new Secret(value) };
}

/** Whether a plain value is a secret reference: an object whose one and only key is `secret`. */
export function isSecretRef(value: unknown): value is { [SECRET_KEY]: unknown } {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Secret) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === SECRET_KEY;
}
