/**
 * Infra tier: one-time timers (`FunctionSpec.timers`) in the template, generated from the
 * topology: a schedule group per timer, a role EventBridge Scheduler assumes for this account and
 * that group only, allowed to invoke the target function and nothing else, and an owner that may
 * manage the schedules of its own group (and pass that role to the scheduler) and nothing more.
 */
import { describe, expect, it } from 'vitest';
import { TIMER_OWNER_ACTIONS } from '#infra/constructs/function-timers.ts';
import { type Topology, timerEntries, topology } from '#infra/topology.ts';
import { timerVariables } from '#shared/timers.ts';
import {
  actionsOf,
  allIdentityStatements,
  getAtt,
  logicalId,
  type PolicyStatementJson,
  resource,
  resourcesOfType,
  statementsForRole,
  synthesize,
} from './helpers.ts';

const { stack, template } = synthesize();
const entries = timerEntries(topology);

describe('StorelineStack: one-time timers', () => {
  it('has the SLA timers of the ticket timers consumer, targeting the alarm function', () => {
    expect(entries).toContainEqual({
      owner: 'ticketSlaTimers',
      timer: expect.objectContaining({ name: 'slaTimers', target: 'ticketSlaAlarms' }),
    });
  });

  it('creates exactly one schedule group per timer, and no schedule (they are created at run time)', () => {
    expect(Object.keys(resourcesOfType(template, 'AWS::Scheduler::ScheduleGroup'))).toHaveLength(
      entries.length,
    );
    const scheduled = Object.values(topology.functions as Topology['functions']).flatMap(
      (fn) => fn.schedules ?? [],
    );
    expect(Object.keys(resourcesOfType(template, 'AWS::Scheduler::Schedule'))).toHaveLength(scheduled.length);
  });

  describe.each(entries.map((e) => [e.owner, e.timer.name, e.timer.target] as const))(
    '%s timer %s → %s',
    (owner, timerName, target) => {
      const timer = stack.timers.get(owner)!.timers.get(timerName)!;
      const targetArn = getAtt(stack.functions.get(target)!.function);
      const groupName = stack.resolve(timer.group.scheduleGroupName);
      const schedulesArn = stack.resolve(timer.schedulesArn);

      it('lets only EventBridge Scheduler, for this account and this group, assume the role', () => {
        const role = resource(template, logicalId(timer.role));
        expect(role.Properties.AssumeRolePolicyDocument).toEqual({
          Version: '2012-10-17',
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                ArnLike: { 'aws:SourceArn': schedulesArn },
              },
            },
          ],
        });
      });

      it('lets the role invoke the target function, unqualified, and nothing else', () => {
        expect(statementsForRole(template, timer.role)).toEqual([
          { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: targetArn },
        ]);
      });

      it('lets the owner manage the schedules of its group only and pass that role to the scheduler only', () => {
        const statements = statementsForRole(template, stack.functions.get(owner)!.role);
        const scheduler = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('scheduler:')));
        expect(scheduler).toEqual([
          { Effect: 'Allow', Action: [...TIMER_OWNER_ACTIONS], Resource: schedulesArn },
        ]);
        expect(JSON.stringify(schedulesArn)).toContain(`:schedule/${groupName}/*`);
        const passRole = statements.filter((s) => actionsOf(s).includes('iam:PassRole'));
        expect(passRole).toEqual([
          {
            Effect: 'Allow',
            Action: 'iam:PassRole',
            Resource: getAtt(timer.role),
            Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
          },
        ]);
      });

      it('tells the owner the group, the target and the role in its environment', () => {
        const fn = resource(template, logicalId(stack.functions.get(owner)!.function));
        const variables = timerVariables(timerName);
        expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject(
          {
            [variables.group]: groupName,
            [variables.targetArn]: targetArn,
            [variables.roleArn]: getAtt(timer.role),
          },
        );
      });
    },
  );

  it('grants scheduler actions and iam:PassRole to timer owners only', () => {
    const owners = new Set(entries.map((e) => e.owner));
    for (const [name, fn] of stack.functions) {
      const statements = statementsForRole(template, fn.role);
      const sensitive = statements.filter((s: PolicyStatementJson) =>
        actionsOf(s).some((a) => a.startsWith('scheduler:') || a === 'iam:PassRole'),
      );
      if (!owners.has(name)) expect(sensitive, name).toEqual([]);
    }
    // Nowhere a scheduler or PassRole grant on "*".
    for (const s of allIdentityStatements(template)) {
      if (actionsOf(s).some((a) => a.startsWith('scheduler:') || a === 'iam:PassRole'))
        expect(s.Resource).not.toEqual('*');
    }
  });

  it('refuses a timer targeting its own function or a function outside the topology', () => {
    const [first] = entries;
    if (!first) throw new Error('no timers');
    const self: Topology = {
      ...topology,
      functions: {
        ...topology.functions,
        [first.owner]: {
          ...topology.functions.ticketSlaTimers,
          timers: [{ ...first.timer, target: first.owner }],
        },
      },
    };
    expect(() => timerEntries(self)).toThrow(/must target another function/);
    const missing: Topology = {
      ...topology,
      functions: {
        ...topology.functions,
        [first.owner]: {
          ...topology.functions.ticketSlaTimers,
          timers: [{ ...first.timer, target: 'nobody' }],
        },
      },
    };
    expect(() => timerEntries(missing)).toThrow(/must target another function/);
  });
});
