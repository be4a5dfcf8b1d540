/**
 * Environment read and checked once, at cold start: a function deployed without its table name
 * fails on its first line, not halfway through a request.
 */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${name}`);
  }
  return value;
}
