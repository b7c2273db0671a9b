/**
 * Asserts that no log line contains any of `secrets` (API keys, JWTs, Authorization values,
 * signing secrets), nor the secret half of an API key on its own. The log must not be empty,
 * so the check cannot pass by looking at nothing.
 */
export function expectNoSecretsInLogs(logs: readonly string[], secrets: Iterable<string>): void {
  expect(logs.length).toBeGreaterThan(0);
  const text = logs.join('\n');
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    const keySecret = /vf_[a-z0-9]+_([A-Za-z0-9]{32,})$/.exec(secret)?.[1];
    if (keySecret) expect(text).not.toContain(keySecret);
  }
}
