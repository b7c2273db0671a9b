import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Unknown-field check for Kubernetes objects. `kubernetes-models`' validators are generated from
 * the Kubernetes OpenAPI schemas and check types, enums and required fields, but (as the API
 * server does without strict field validation) accept fields the schema does not declare, so a
 * misspelt `readinesProbe` would pass. This walks an object along the declared properties of the
 * package's type declarations (`*.d.ts`, generated from the same schemas) and lists every field
 * that is not declared. Free-form maps (`labels`, `data`) and scalar types end the walk.
 */

const require = createRequire(import.meta.url);
const modelsRoot = dirname(require.resolve('kubernetes-models/package.json'));
const apimachineryRoot = dirname(require.resolve('@kubernetes-models/apimachinery/package.json'));

/** The `.d.ts` of each kind (apiVersion/kind) the manifests use. */
const MODEL_FILES: Readonly<Record<string, string>> = {
  'v1/ConfigMap': 'v1/ConfigMap.d.ts',
  'v1/Service': 'v1/Service.d.ts',
  'apps/v1/Deployment': 'apps/v1/Deployment.d.ts',
  'batch/v1/Job': 'batch/v1/Job.d.ts',
  'policy/v1/PodDisruptionBudget': 'policy/v1/PodDisruptionBudget.d.ts',
};

interface Declared {
  /** Property name → the declared interface it refers to (its `.d.ts` path), or null for a leaf. */
  fields: Map<string, string | null>;
}

const cache = new Map<string, Declared>();

/** The properties of the first exported interface of `file`, with where each one's type is declared. */
function declared(file: string): Declared {
  const cached = cache.get(file);
  if (cached) return cached;
  const text = readFileSync(file, 'utf8');
  const imports = new Map<string, string>();
  for (const match of text.matchAll(/^import \{ (\w+)(?: as (\w+))? \} from "([^"]+)";$/gm)) {
    imports.set(match[2] ?? match[1]!, match[3]!);
  }
  const fields = new Map<string, string | null>();
  const body = /^export interface \w+(?: extends [^{]+)? \{\n([\s\S]*?)^\}/m.exec(text)?.[1] ?? '';
  for (const match of body.matchAll(/^ {4}"(\w+)"\??: (.*)$/gm)) {
    const typeName = /^(?:Array<)?(\w+)/.exec(match[2]!)?.[1];
    const specifier = typeName === undefined ? undefined : imports.get(typeName);
    fields.set(match[1]!, specifier ? resolveDeclaration(file, specifier) : null);
  }
  const result = { fields };
  cache.set(file, result);
  return result;
}

function resolveDeclaration(from: string, specifier: string): string | null {
  let path: string;
  if (specifier.startsWith('.')) path = join(dirname(from), `${specifier}.d.ts`);
  else if (specifier.startsWith('@kubernetes-models/apimachinery/'))
    path = join(apimachineryRoot, `${specifier.slice('@kubernetes-models/apimachinery/'.length)}.d.ts`);
  else return null;
  return existsSync(path) ? path : null;
}

function walk(value: unknown, file: string, path: string, problems: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, file, `${path}[${index}]`, problems));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const { fields } = declared(file);
  if (fields.size === 0) return; // a type alias (IntOrString, Quantity, Time): nothing to check
  for (const [key, child] of Object.entries(value)) {
    if (!fields.has(key)) {
      problems.push(`${path}.${key}`);
      continue;
    }
    const next = fields.get(key);
    if (next) walk(child, next, `${path}.${key}`, problems);
  }
}

/** Every field of `object` (a manifest with apiVersion and kind) that its schema does not declare. */
export function undeclaredFields(object: { apiVersion?: unknown; kind?: unknown }): string[] {
  const model = MODEL_FILES[`${String(object.apiVersion)}/${String(object.kind)}`];
  if (!model) throw new Error(`no field declarations known for ${String(object.apiVersion)} ${String(object.kind)}`);
  const problems: string[] = [];
  walk(object, join(modelsRoot, model), String(object.kind), problems);
  return problems;
}
