#!/usr/bin/env node
// Checks what `npm start` and `npm test` need, and says in one line what is missing.
// Plain JavaScript on purpose: it must run on whatever Node the machine has (even 20),
// so it can explain the problem instead of failing on TypeScript syntax.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const quiet = process.argv.includes('--quiet');
const problems = [];

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  problems.push(
    `Node ${process.versions.node} is running, Storeline needs Node 24: run \`npm run setup\` ` +
      '(it installs Node 24 into node_modules/.bin on Linux x64 and arm64), or install Node 24 yourself (see .nvmrc).',
  );
}

const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
if (java.error || java.status !== 0) {
  problems.push(
    'Java is not installed: DynamoDB Local needs a Java 17+ runtime (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`).',
  );
} else {
  const version = /version "(\d+)/.exec(`${java.stderr}${java.stdout}`);
  if (version && Number(version[1]) < 17) {
    problems.push(
      `Java ${version[1]} is too old: DynamoDB Local needs Java 17+ (install openjdk-17-jre-headless).`,
    );
  }
}

// Not a failure: only the ops page's browser test needs it, and it says it was skipped without it.
if (!quiet && !existsSync('/usr/bin/chromium')) {
  console.log(
    'storeline: note: /usr/bin/chromium is missing, so the ops page browser test will be skipped; install it with `sudo apt-get install -y chromium` (Debian/Ubuntu).',
  );
}

if (problems.length > 0) {
  for (const p of problems) console.error(`storeline: ${p}`);
  process.exit(1);
}
if (!quiet)
  console.log(`storeline: ready (Node ${process.versions.node}, Java found). Next: npm start, or npm test.`);
