#!/usr/bin/env node
// The production dependency audit: `npm audit --omit=dev`, failing on any high or critical
// advisory. When the registry offers no advisory service (a mirror that answers the bulk
// advisory endpoint with an error), the audit cannot be made: that is said on one line and the
// script fails only with RUNQ_AUDIT_REQUIRED=1, so a registry without the service does not
// turn every build red while a real finding always does.
import { spawnSync } from 'node:child_process';

const result = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
let report;
try {
  report = JSON.parse(result.stdout);
} catch {
  console.error(`npm audit printed no JSON (exit ${result.status}): ${result.stderr.trim().split('\n').at(-1) ?? ''}`);
  process.exit(1);
}

const counts = report?.metadata?.vulnerabilities;
if (counts === undefined) {
  const reason = report?.message ?? report?.error?.summary ?? 'no report';
  console.log(`dependency audit NOT made: the registry's advisory service did not answer (${reason})`);
  process.exit(process.env.RUNQ_AUDIT_REQUIRED === '1' ? 1 : 0);
}

const serious = (counts.high ?? 0) + (counts.critical ?? 0);
console.log(
  `dependency audit (production): ${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low`,
);
if (serious > 0) {
  for (const [name, entry] of Object.entries(report.vulnerabilities ?? {})) {
    if (entry.severity === 'high' || entry.severity === 'critical') console.log(`  ${entry.severity}: ${name} ${entry.range ?? ''}`);
  }
  process.exit(1);
}
