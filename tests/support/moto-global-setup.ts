/**
 * Conformance tier: one `moto_server` and one DynamoDB Local (in memory) for the whole run; each
 * test file starts our own emulators in-process. Without `moto_server` on PATH the tier says so in
 * one line and its tests are skipped, not failed.
 */
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#infra/local/dynamodb.ts';
import { freePort } from '#infra/local/processes.ts';
import { MOTO_INSTALL_HINT, startMotoServer } from './moto.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** moto_server's endpoint; empty when moto is not installed. */
    motoEndpoint: string;
    dynamoDbEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const moto = await startMotoServer(await freePort());
  if (!moto) {
    console.log(
      `conformance tier skipped: moto_server is not on PATH (install it with ${MOTO_INSTALL_HINT})`,
    );
    project.provide('motoEndpoint', '');
    project.provide('dynamoDbEndpoint', '');
    return;
  }
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  project.provide('motoEndpoint', moto.endpoint);
  project.provide('dynamoDbEndpoint', dynamo.endpoint);
  return async () => {
    await Promise.all([moto.stop(), dynamo.stop()]);
  };
}
