/**
 * The value of one sample of a Prometheus text exposition: the first line of metric `name`
 * whose labels include every one of `labels` (0 when there is none).
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const lines = text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
  const match = lines.find((line) => Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)));
  return match ? Number(match.slice(match.lastIndexOf(' ') + 1)) : 0;
}

/** True when the exposition has a sample of `name` with exactly these `labels` among its own (even at 0). */
export function hasSample(text: string, name: string, labels: Record<string, string>): boolean {
  return text.split('\n').some((line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`)));
}
