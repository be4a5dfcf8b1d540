/** EventBridge Scheduler schedules invoking a function, from `FunctionSpec.schedules`. */
import { CfnElement, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { ScheduleSpec } from '#infra/topology/types.ts';
import { pascalCase } from './names.ts';

export interface FunctionSchedulesProps {
  readonly function: IFunction;
  readonly schedules: readonly ScheduleSpec[];
}

/**
 * One EventBridge Scheduler schedule per entry, invoking the function with `{ schedule: name }` so one
 * function can serve several schedules. Scheduled jobs are scans that the next run repeats, so a
 * missed invocation is retried a few times within the hour and then left to the next run.
 *
 * The schedules share one role per function, assumable by EventBridge Scheduler from this account
 * only, that may invoke this function and nothing else.
 */
export class FunctionSchedules extends Construct {
  readonly role: Role;
  readonly schedules: readonly Schedule[];

  constructor(scope: Construct, id: string, props: FunctionSchedulesProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.role = new Role(this, 'InvokeRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `Lets EventBridge Scheduler invoke ${props.function.node.path}`,
    });

    this.schedules = props.schedules.map(
      (spec) =>
        new Schedule(this, pascalCase(spec.name), {
          description: spec.description,
          schedule: ScheduleExpression.expression(spec.expression),
          target: new LambdaInvoke(props.function, {
            role: this.role,
            input: ScheduleTargetInput.fromObject({ schedule: spec.name }),
            retryAttempts: 3,
            maxEventAge: Duration.hours(1),
          }),
        }),
    );

    const cfnFunction = props.function.node.defaultChild;
    if (cfnFunction && CfnElement.isCfnElement(cfnFunction)) {
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(cfnFunction)}.Arn>:*]`,
        reason:
          'lambda:InvokeFunction on this one function and its versions/aliases (`<arn>:*`), as ' +
          'Function.grantInvoke grants it; no other function can be invoked.',
      });
    }
  }
}
