import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Summaries of V8 CPU profiles (`node --cpu-prof`): where a process spent its CPU, by
 * function and by package, as shares of the profiled time.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** One line of a summary. */
export interface ProfileEntry {
  name: string;
  /** Share of all samples (0..1). */
  share: number;
  ms: number;
}

/** A profile reduced to what a reader needs. */
export interface ProfileSummary {
  file: string;
  /** Profiled wall time, ms. */
  wallMs: number;
  /** Share of the profiled time the process was not idle. */
  busyShare: number;
  /** Share of the busy time spent in garbage collection. */
  gcShare: number;
  /** Self time by package (node_modules package, runq workspace, node internals); shares are of busy time, here and below. */
  byPackage: ProfileEntry[];
  /** Self time by function. */
  byFunction: ProfileEntry[];
  /** Inclusive time of selected runq and library functions (time in them and everything they call). */
  inclusive: ProfileEntry[];
}

/** The package a script URL belongs to: `pkg` for node_modules, `runq:<workspace>` for the repository, `node:<module>` for internals. */
export function packageOf(url: string): string {
  if (url === '') return '(native/vm)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    const first = rest[0] ?? '';
    if (first.startsWith('@runq')) return `runq:${rest[1] ?? ''}`;
    return first.startsWith('@') ? `${first}/${rest[1] ?? ''}` : first;
  }
  const workspace = /\/(packages|services|bench)\/([^/]+)\//.exec(url);
  if (workspace) return `runq:${workspace[2] ?? ''}`;
  return url.split('/').slice(-2).join('/');
}

/** Functions whose inclusive time is reported, when present: the stages of a request and of a run. */
const INCLUSIVE_OF = [
  'readJsonBody',
  'validateCreateRunRequest',
  'authenticate',
  'createRun',
  'requestHash',
  'insertRun',
  'enqueueRun',
  'dispatch',
  'toRunEnvelope',
  'transitionRun',
  'findRun',
  'process',
  'settle',
  'runAttempt',
  'renewLease',
  'compileQuery',
  'executeQuery',
  'write',
  'asJson',
];

/** Reads and summarises one `.cpuprofile` file. */
export async function summarizeProfile(file: string, top = 25): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfMs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i] ?? 0;
    const delta = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    selfMs.set(id, (selfMs.get(id) ?? 0) + delta);
  }
  let total = 0;
  let idle = 0;
  let gc = 0;
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (!node) continue;
    total += ms;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    if (functionName === '(garbage collector)') gc += ms;
    const pkg = functionName.startsWith('(') ? functionName : packageOf(url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    const fn = `${functionName || '(anonymous)'} ${url ? `${packageOf(url)}:${url.split('/').pop() ?? ''}:${lineNumber + 1}` : ''}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    // Inclusive time: charge this sample once to every selected function on its stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)?.callFrame.functionName ?? '';
      if (INCLUSIVE_OF.includes(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
      }
    }
  }
  const busy = total - idle;
  const entries = (map: Map<string, number>, limit: number): ProfileEntry[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: busy > 0 ? ms / busy : 0 }));
  return {
    file,
    wallMs: Math.round(total),
    busyShare: total > 0 ? busy / total : 0,
    gcShare: busy > 0 ? gc / busy : 0,
    byPackage: entries(byPackage, 15),
    byFunction: entries(byFunction, top),
    inclusive: entries(inclusive, INCLUSIVE_OF.length),
  };
}

/** Summaries of every profile in `dir` (one per process that exited there). */
export async function summarizeProfiles(dir: string): Promise<ProfileSummary[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.cpuprofile')).sort();
  return Promise.all(files.map((name) => summarizeProfile(join(dir, name))));
}
