/**
 * Powertools instances, created once per container (module scope) and shared by every handler
 * in the bundle. Service name and namespace come from the environment the topology sets.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

export const logger = new Logger();
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Storeline' });
export const tracer = new Tracer();
