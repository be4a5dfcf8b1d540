/**
 * The CDK app: one `StorelineStack`, checked by cdk-nag's AWS Solutions pack at synthesis.
 * `npx cdk synth` runs this file (cdk.json) and needs no AWS account: the stack is environment-agnostic
 * and functions are bundled by the local esbuild. Tests call `buildApp` with bundling skipped.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StorelineStack } from './stack.ts';
import type { Topology } from './topology.ts';

/** Stack name when the `stackName` context is not given (`cdk synth -c stackName=StorelineDev`). */
export const DEFAULT_STACK_NAME = 'Storeline';

export interface BuildAppOptions {
  /** Extra context, e.g. `{ 'aws:cdk:bundling-stacks': [] }` to skip bundling in tests. */
  readonly context?: AppProps['context'];
  /** Where the cloud assembly goes. Default: CDK's (`cdk.out` under the CLI, a temp dir otherwise). */
  readonly outdir?: string;
  /** What to deploy. Default: Storeline's topology. */
  readonly topology?: Topology;
  /** Run the AWS Solutions checks at synthesis. Default: true. */
  readonly nag?: boolean;
}

/**
 * Builds the app and its stack. Nag findings are acknowledged where they arise (each construct
 * acknowledges its own, with the reason), never for the whole app, so a new resource that breaks a
 * rule fails synthesis instead of being silently covered.
 */
export function buildApp(options: BuildAppOptions = {}): { app: App; stack: StorelineStack } {
  const app = new App({ context: options.context, outdir: options.outdir });
  const stackName = app.node.tryGetContext('stackName') ?? DEFAULT_STACK_NAME;
  if (typeof stackName !== 'string' || stackName.length === 0) {
    throw new Error(`Context stackName must be a non-empty string, got ${JSON.stringify(stackName)}`);
  }
  const stack = new StorelineStack(app, stackName, { stackName, topology: options.topology });
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { app, stack };
}

if (import.meta.main) {
  buildApp().app.synth();
}
