/**
 * One-time timers of a function, from `FunctionSpec.timers`: per timer an EventBridge Scheduler
 * schedule group, the role the scheduler invokes the target with, and the owner's permission to
 * manage schedules in that group only. The schedules themselves are created at run time by the
 * owner (`setTimer` in `#shared/timers.ts`), never by the stack.
 */
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { TimerSpec } from '#infra/topology/types.ts';
import { type TimerResources, timerEnvironment } from '#infra/topology.ts';
import { pascalCase } from './names.ts';

/** Exactly what the owner may do with its timers' schedules (`setTimer`, `cancelTimer`). */
export const TIMER_OWNER_ACTIONS = [
  'scheduler:CreateSchedule',
  'scheduler:UpdateSchedule',
  'scheduler:DeleteSchedule',
  'scheduler:GetSchedule',
] as const;

export interface FunctionTimersProps {
  /** The function that sets the timers (its environment receives them). */
  readonly owner: LambdaFunction;
  /** Each timer's target function, by the timer's name. */
  readonly targets: ReadonlyMap<string, IFunction>;
  readonly timers: readonly TimerSpec[];
}

/** One timer's resources in the template. */
export interface TimerResourcesOf {
  readonly group: ScheduleGroup;
  readonly role: Role;
  /** `arn:…:schedule/<group>/*`: the schedules the owner may manage. */
  readonly schedulesArn: string;
}

/**
 * Per timer:
 *
 * - a **schedule group** (generated name), so the owner's permissions stop at its own schedules;
 * - a **role** assumable by `scheduler.amazonaws.com` only on behalf of this account
 *   (`aws:SourceAccount`) and for schedules of this group (`aws:SourceArn`), allowed
 *   `lambda:InvokeFunction` on the target function's ARN and nothing else;
 * - for the **owner**: `scheduler:CreateSchedule|UpdateSchedule|DeleteSchedule|GetSchedule` on
 *   `arn:…:schedule/<group>/*`, and `iam:PassRole` of that role, to EventBridge Scheduler only;
 * - the owner's **environment**: the group, the target's ARN and the role's ARN (`timerEnvironment`).
 */
export class FunctionTimers extends Construct {
  readonly timers: ReadonlyMap<string, TimerResourcesOf>;
  /** What the owner's environment names, by timer (as `functionEnvironment` takes it). */
  readonly resources: ReadonlyMap<string, TimerResources>;

  constructor(scope: Construct, id: string, props: FunctionTimersProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const timers = new Map<string, TimerResourcesOf>();
    const resourcesByTimer = new Map<string, TimerResources>();

    for (const spec of props.timers) {
      const target = props.targets.get(spec.name);
      if (!target) throw new Error(`timer ${spec.name} has no target function`);
      const id = pascalCase(spec.name);
      const group = new ScheduleGroup(this, `${id}Group`, {});
      const schedulesArn = stack.formatArn({
        service: 'scheduler',
        resource: 'schedule',
        resourceName: `${group.scheduleGroupName}/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });

      // The unqualified ARN only: the schedules invoke $LATEST, never a version or an alias. An
      // inline policy rather than a separate AWS::IAM::Policy: one resource fewer per timer, for
      // the stack's 500-resource limit, with the same single statement.
      const role = new Role(this, `${id}InvokeRole`, {
        assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
          conditions: {
            StringEquals: { 'aws:SourceAccount': stack.account },
            ArnLike: { 'aws:SourceArn': schedulesArn },
          },
        }),
        description: `Lets EventBridge Scheduler invoke the target of the ${spec.name} timer`,
        inlinePolicies: {
          invoke: new PolicyDocument({
            statements: [
              new PolicyStatement({
                effect: Effect.ALLOW,
                actions: ['lambda:InvokeFunction'],
                resources: [target.functionArn],
              }),
            ],
          }),
        },
      });

      props.owner.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: [...TIMER_OWNER_ACTIONS],
          resources: [schedulesArn],
        }),
      );
      props.owner.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['iam:PassRole'],
          resources: [role.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
        }),
      );
      const resources: TimerResources = {
        group: group.scheduleGroupName,
        targetArn: target.functionArn,
        roleArn: role.roleArn,
      };
      for (const [key, value] of Object.entries(timerEnvironment(spec.name, resources)))
        props.owner.addEnvironment(key, value);
      // The one wildcard: schedule names come from the data (one per ticket and target), so IAM
      // cannot list them; the group bounds them. cdk-nag names the finding by the resolved ARN.
      const groupName = stack.resolve(group.scheduleGroupName) as unknown;
      const groupInArn =
        typeof groupName === 'string' ? groupName : `<${(groupName as { Ref?: string }).Ref ?? ''}>`;
      if (props.owner.role)
        Validations.of(props.owner.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${groupInArn}/*]`,
          reason:
            `scheduler:${TIMER_OWNER_ACTIONS.map((a) => a.slice('scheduler:'.length)).join('|')} on the schedules ` +
            `of the ${spec.name} group only: they are created at run time, named after the data they time.`,
        });
      timers.set(spec.name, { group, role, schedulesArn });
      resourcesByTimer.set(spec.name, resources);
    }
    this.timers = timers;
    this.resources = resourcesByTimer;
  }
}
