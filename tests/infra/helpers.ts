/**
 * Helpers for the infra tier: build the app with bundling skipped (template assertions do not need
 * code), and find resources by the constructs that made them rather than by guessed logical ids.
 */
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp } from '#infra/app.ts';
import type { StorelineStack } from '#infra/stack.ts';
import type { Topology } from '#infra/topology.ts';

/** Context that makes asset bundling a no-op for every stack: tests run in a fraction of the time. */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

const synthesized = new Map<Topology | undefined, { stack: StorelineStack; template: Template }>();

/**
 * The stack for a topology (default: Storeline's) and its template, bundling skipped, nag off.
 * Synthesized once per topology and worker: the infra tier shares modules between its files
 * (`isolate: false` in vitest.config.ts), so its twenty files read one synthesis of the whole
 * stack instead of making twenty. Tests only read the stack and template.
 */
export function synthesize(topology?: Topology): { stack: StorelineStack; template: Template } {
  let built = synthesized.get(topology);
  if (!built) {
    const { stack } = buildApp({ context: SKIP_BUNDLING, nag: false, topology });
    built = { stack, template: Template.fromStack(stack) };
    synthesized.set(topology, built);
  }
  return built;
}

/** The logical id of a construct's CloudFormation resource (its default child for L2s). */
export function logicalId(construct: IConstruct): string {
  const element = construct.node.defaultChild ?? construct;
  if (!CfnElement.isCfnElement(element))
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(construct).getLogicalId(element);
}

export const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });
export const getAtt = (construct: IConstruct, attribute = 'Arn') => ({
  'Fn::GetAtt': [logicalId(construct), attribute],
});

/** The parts of a template resource the tests read. */
export interface ResourceJson {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface PolicyStatementJson {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

interface PolicyDocumentJson {
  readonly Statement: PolicyStatementJson[];
}

/** Every resource of a type, by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, ResourceJson> {
  return template.findResources(type) as Record<string, ResourceJson>;
}

/** One resource by logical id, failing clearly if it is missing. */
export function resource(template: Template, id: string): ResourceJson {
  const found = (template.toJSON().Resources as Record<string, ResourceJson>)[id];
  if (!found) throw new Error(`No resource ${id} in the template`);
  return found;
}

export const actionsOf = (statement: PolicyStatementJson): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOf = (statement: PolicyStatementJson): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

/** Every statement of every identity policy in the template (`AWS::IAM::Policy` and inline role policies). */
export function allIdentityStatements(template: Template): PolicyStatementJson[] {
  const fromPolicies = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).flatMap(
    (policy) => (policy.Properties.PolicyDocument as PolicyDocumentJson).Statement,
  );
  const fromRoles = Object.values(resourcesOfType(template, 'AWS::IAM::Role')).flatMap((role) =>
    ((role.Properties.Policies ?? []) as { PolicyDocument: PolicyDocumentJson }[]).flatMap(
      (policy) => policy.PolicyDocument.Statement,
    ),
  );
  return [...fromPolicies, ...fromRoles];
}

/** The statements of the policies attached to one role, and of the role's inline policies. */
export function statementsForRole(template: Template, role: IConstruct): PolicyStatementJson[] {
  const roleRef = ref(role);
  const attached = Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((policy) =>
      (policy.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(roleRef)),
    )
    .flatMap((policy) => (policy.Properties.PolicyDocument as PolicyDocumentJson).Statement);
  const inline = (
    (resource(template, roleRef.Ref).Properties.Policies ?? []) as { PolicyDocument: PolicyDocumentJson }[]
  ).flatMap((policy) => policy.PolicyDocument.Statement);
  return [...attached, ...inline];
}

/** The actions a role is allowed, flattened. */
export function allowedActions(template: Template, role: IConstruct): Set<string> {
  return new Set(
    statementsForRole(template, role)
      .filter((s) => s.Effect === 'Allow')
      .flatMap(actionsOf),
  );
}

const operations = new Map<Topology | undefined, Template>();

/**
 * The template of the operations nested stack (dashboard and alarms) of a topology's stack,
 * memoised like `synthesize`, with every parameter the main stack passes it replaced by the value
 * passed (`{ Ref: 'referencetoStorelineOrdersFunction…Ref' }` becomes the main template's
 * `{ Ref: 'OrdersFunction…' }`), so assertions compare with `ref(...)` of main-stack constructs.
 */
export function operationsTemplate(topology?: Topology): Template {
  let built = operations.get(topology);
  if (!built) {
    const { stack, template } = synthesize(topology);
    const nested = stack.observability.operations;
    const parameters = resource(template, logicalId(nested.nestedStackResource!)).Properties
      .Parameters as Record<string, unknown>;
    const resolved = JSON.parse(
      JSON.stringify(Template.fromStack(nested).toJSON()),
      (_key, value: unknown) => {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
        const keys = Object.keys(value);
        const name = (value as { Ref?: unknown }).Ref;
        return keys.length === 1 && typeof name === 'string' && name in parameters ? parameters[name] : value;
      },
    ) as Record<string, unknown>;
    built = Template.fromJSON(resolved, { skipCyclicalDependenciesCheck: true });
    operations.set(topology, built);
  }
  return built;
}
