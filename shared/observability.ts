/**
 * Powertools instances, created once per container (module scope) and shared by every handler
 * in the bundle. Service name and namespace come from the environment the topology sets.
 *
 * No Powertools Tracer: it pulls in aws-xray-sdk-core (~100 KB minified with semver and
 * cls-hooked), which alone would break the 250 KB bundle budget and lengthen every cold start.
 * Lambda's active tracing still records each invocation in X-Ray (see docs/operations.md).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger();
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Storeline' });
