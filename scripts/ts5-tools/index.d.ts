/** The two openapi-typescript functions the e2e tier uses (its own types pull in TypeScript 5). */
export default function openapiTS(
  source: string | URL | Record<string, unknown>,
  options?: Record<string, unknown>,
): Promise<readonly unknown[]>;
export function astToString(ast: readonly unknown[]): string;
