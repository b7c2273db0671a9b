import { readFileSync } from 'node:fs';

/** One Dockerfile instruction, continuation lines joined. */
export interface DockerInstruction {
  /** Upper-case instruction: FROM, RUN, COPY, ENV, … */
  keyword: string;
  /** Leading `--name=value` flags (COPY --from=build --chown=node:node). */
  flags: Record<string, string>;
  /** The rest of the instruction as written (after the flags). */
  args: string;
  /** The exec form (`["runq"]`) parsed, when the arguments are a JSON array. */
  exec: string[] | undefined;
  /** 1-based line of the instruction's first line. */
  line: number;
}

/** A build stage: its base image, name and instructions (FROM excluded). */
export interface DockerStage {
  name: string;
  from: string;
  instructions: DockerInstruction[];
}

/** A parsed Dockerfile (the subset runq's uses; no heredocs, no escape directive). */
export interface Dockerfile {
  /** `ARG` defaults declared before the first FROM. */
  globalArgs: Record<string, string>;
  stages: DockerStage[];
}

function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string | undefined, bare: string | undefined) => values[braced ?? bare ?? ''] ?? whole);
}

/** Reads and parses the Dockerfile at `path`. */
export function readDockerfile(path: string): Dockerfile {
  return parseDockerfile(readFileSync(path, 'utf8'));
}

/** Parses Dockerfile text into stages of instructions. */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: DockerInstruction[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    const first = index + 1;
    let line = lines[index]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && index + 1 < lines.length) {
      index += 1;
      const next = lines[index]!;
      if (/^\s*#/.test(next)) continue;
      line = `${line.slice(0, -1)} ${next.trim()}`;
    }
    const match = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`Dockerfile line ${first}: cannot parse ${JSON.stringify(line)}`);
    let rest = match[2]!.trim();
    const flags: Record<string, string> = {};
    for (let flag = /^--([\w-]+)=(\S+)\s+/.exec(rest); flag; flag = /^--([\w-]+)=(\S+)\s+/.exec(rest)) {
      flags[flag[1]!] = flag[2]!;
      rest = rest.slice(flag[0].length);
    }
    let exec: string[] | undefined;
    if (rest.startsWith('[')) exec = JSON.parse(rest) as string[];
    instructions.push({ keyword: match[1]!.toUpperCase(), flags, args: rest, exec, line: first });
  }

  const globalArgs: Record<string, string> = {};
  const stages: DockerStage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(substitute(instruction.args, globalArgs));
      if (!from) throw new Error(`Dockerfile line ${instruction.line}: cannot parse FROM`);
      stages.push({ from: from[1]!, name: from[2] ?? String(stages.length), instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') throw new Error(`Dockerfile line ${instruction.line}: ${instruction.keyword} before FROM`);
      const [name, value = ''] = instruction.args.split('=', 2);
      globalArgs[name!.trim()] = value.trim();
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/**
 * The environment `ENV` instructions of `stage` set, in order (`K=V` pairs; `$NAME` and
 * `${NAME}` refer to values set before, or to `base`).
 */
export function stageEnv(stage: DockerStage, base: Record<string, string> = {}): Record<string, string> {
  const env = { ...base };
  for (const instruction of stage.instructions.filter((item) => item.keyword === 'ENV')) {
    for (const pair of instruction.args.match(/\w+=(?:"[^"]*"|\S+)/g) ?? []) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = substitute(pair.slice(eq + 1).replace(/^"|"$/g, ''), env);
    }
  }
  return env;
}
