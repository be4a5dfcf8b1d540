/**
 * Infra tier: cdk-nag's AWS Solutions pack (3.x, a CDK policy-validation plugin) finds nothing that
 * is not acknowledged, and every acknowledgement is on the construct it concerns, with a reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';
import { type Topology, topology } from '#infra/topology.ts';
import { SKIP_BUNDLING } from './helpers.ts';
import { syntheticTopology } from './synthetic-topology.ts';

/** The part of CDK's `validation-report.json` the test reads. */
interface ValidationReport {
  readonly pluginReports: {
    readonly pluginName: string;
    readonly violations: { readonly ruleName: string; readonly severity: string }[];
  }[];
}

/** Every acknowledgement in a construct tree: where, which rule, why. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

const topologies: [string, Topology][] = [
  ['Storeline topology', topology],
  ['synthetic topology', syntheticTopology],
];

describe('StorelineStack', () => {
  describe.each(topologies)('cdk-nag AwsSolutions checks on the %s', (_label, t) => {
    const { app, stack } = buildApp({ context: SKIP_BUNDLING, topology: t });
    // Synthesis runs the registered plugin; an unacknowledged error would throw here with the report.
    const assembly = app.synth();

    it('reports no unacknowledged error or warning in the validation report of the synthesis', () => {
      // Prepare
      const report = JSON.parse(
        readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
      ) as ValidationReport;

      // Act
      const findings = report.pluginReports
        .filter((plugin) => plugin.pluginName === 'AwsSolutions')
        .flatMap((plugin) => plugin.violations.map((v) => `${v.severity} ${v.ruleName}`));

      // Assess
      expect(findings).toEqual([]);
    });

    it('finds no violation when the pack is run directly on the construct tree', () => {
      // Act
      const { success, violations } = new AwsSolutionsChecks().validateScope(app);

      // Assess
      expect(
        violations.map(
          (v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath)}`,
        ),
      ).toEqual([]);
      expect(success).toBe(true);
    });

    it('acknowledges findings on the constructs concerned, never for the whole app or stack, each with a reason', () => {
      // Act
      const acks = acknowledgements(app);

      // Assess
      expect(acks.length).toBeGreaterThan(0);
      for (const ack of acks) {
        expect(ack.id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
        expect(ack.path).not.toBe(app.node.path);
        expect(ack.path).not.toBe(Stack.of(stack).node.path);
        expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(40);
      }
    });
  });

  it('fails synthesis when a resource breaks a rule nobody acknowledged', () => {
    // Prepare
    const { app, stack } = buildApp({ context: SKIP_BUNDLING });
    // A wildcard nobody acknowledged, on a role that has acknowledgements for other findings.
    stack.functions
      .get('platform')!
      .role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::some-bucket/*'] }),
      );

    // Act & Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::arn:aws:s3:::some-bucket\/\*\]/);
  });
});
