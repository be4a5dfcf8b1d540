/**
 * The served OpenAPI document (the committed functions/platform/openapi.json, which
 * openapi-docs.test.ts keeps equal to what the contracts generate), checked by two linters nobody here wrote: Redocly's recommended
 * rules and Spectral's `spectral:oas`. Both must report nothing at all, warnings included, since
 * each warning is something a generated client or a viewer gets wrong.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from '#scripts/api-docs.ts';

const run = promisify(execFile);
const bin = (path: string) => fileURLToPath(new URL(`../../../node_modules/${path}`, import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'storeline-openapi-'));
const file = join(dir, 'openapi.json');
copyFileSync(fileURLToPath(new URL(`../../../${OPENAPI_PATH}`, import.meta.url)), file);
const ruleset = join(dir, '.spectral.json');
writeFileSync(ruleset, JSON.stringify({ extends: ['spectral:oas'] }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** No telemetry, no update check: the suite runs offline and sends nothing anywhere. */
const OFFLINE = {
  ...process.env,
  NO_COLOR: '1',
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  REDOCLY_SUPPRESS_NOTIFICATIONS: 'true',
};

/** The CLI's findings; a non-zero exit with findings is still an answer, not a crash. */
async function findings(args: string[]): Promise<string> {
  try {
    const { stdout } = await run(process.execPath, args, {
      cwd: dir,
      env: OFFLINE,
    });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    return `${stdout ?? ''}${stderr ?? ''}`;
  }
}

describe('GET /openapi.json, linted', () => {
  it('passes Redocly’s recommended rules with no error and no warning', async () => {
    const out = await findings([bin('@redocly/cli/bin/cli.js'), 'lint', file, '--format=json']);
    const report = JSON.parse(out.slice(out.indexOf('{'))) as {
      totals: { errors: number; warnings: number };
      problems: { ruleId: string; message: string }[];
    };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('passes Spectral’s spectral:oas with no error and no warning', async () => {
    const out = await findings([
      bin('@stoplight/spectral-cli/dist/index.js'),
      'lint',
      file,
      '--ruleset',
      ruleset,
      '--format',
      'json',
      '--quiet',
    ]);
    const results = JSON.parse(out.slice(out.indexOf('['))) as {
      code: string;
      message: string;
      path: string[];
    }[];
    expect(results.map((r) => `${r.code}: ${r.message} at ${r.path.join('.')}`)).toEqual([]);
  });
});
