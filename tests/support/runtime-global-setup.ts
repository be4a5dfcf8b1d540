/**
 * End-to-end tier: the real local runtime (`node infra/local/main.ts`) as a child process, in
 * memory, on free ports. Tests talk to it over HTTP only.
 */
import type { TestProject } from 'vitest/node';
import { startRuntimeProcess } from './runtime-process.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    dynamoDbEndpointE2e: string;
  }
}

export default async function setup(project: TestProject) {
  const runtime = await startRuntimeProcess({ inMemory: true });
  project.provide('baseUrl', runtime.url);
  project.provide('dynamoDbEndpointE2e', runtime.dynamoDbEndpoint);
  return async () => {
    await runtime.stop();
  };
}
