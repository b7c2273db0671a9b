import { REMOVE, REQUEST_FIXTURES, setAtPointer, validRequestBody } from '@runq/contract/testing';

/** A seeded pseudo-random generator (mulberry32): the same seed gives the same sequence on every run. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
}

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? { n: value } : [value];
  return value;
}

/** Values a mutation writes: wrong types, edge numbers, odd strings and shapes. */
function randomValue(random: SeededRandom): unknown {
  const values: (() => unknown)[] = [
    () => null,
    () => true,
    () => false,
    () => 0,
    () => -1,
    () => 1.5,
    () => 1e300,
    () => -1e300,
    () => 2 ** 53 + 2,
    () => 5e-324,
    () => random.int(1000),
    () => '',
    () => 'x'.repeat(random.pick([1, 63, 64, 65, 128, 129, 255, 256, 513, 2049])),
    () => 'agent',
    () => 'project',
    () => 'conversation',
    () => 'running',
    () => 'create_new',
    () => 'existing',
    () => 'none',
    () => 'main_branch',
    () => '0b6f2b7e-7a4a-4c8e-9b1e-4f0d6f3c2a11',
    () => 'A3F1C2D4-5B6E-4F70-8192-A3B4C5D6E7F8',
    () => 'not-a-uuid',
    () => 'run_01J9Z7Q4W3',
    () => 'héllo 🌍 \u202e',
    () => 'a\u0000b',
    () => '\ud800',
    () => '\udc00x',
    () => '__proto__',
    () => [],
    () => [1, 'two', null],
    () => Array.from({ length: random.pick([0, 1, 11, 51, 101]) }, (_, i) => ({ name: `t${i}` })),
    () => ({}),
    () => ({ name: 'tool', extra: 1 }),
    () => ({ type: random.pick(['text', 'json', 'resource', 'other']), text: 'x', data: {}, uri: 'u' }),
    () => nested(random.pick([3, 30, 63, 70])),
    () => ({ ['__proto__']: { polluted: true } }),
    () => ({ constructor: { prototype: { polluted: true } } }),
  ];
  return random.pick(values)();
}

/** Every JSON pointer of `value` (objects and arrays included), the root excepted. */
function pointersOf(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  const out: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const pointer = `${prefix}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    out.push(pointer, ...pointersOf(item, pointer));
  }
  return out;
}

const EXTRA_KEYS = [
  'public_id',
  'parent_run_id',
  'trigger',
  'conversation_mode',
  'conversation_id',
  'initial_status',
  'worker_key',
  'batch_id',
  'timeout_seconds',
  'backoff_limit',
  'unknown_field',
  '__proto__',
];

/** One structural mutation of a body: replace, remove or add a property, or change `kind`. */
function mutateOnce(body: Record<string, unknown>, random: SeededRandom): Record<string, unknown> {
  const pointers = pointersOf(body);
  const choice = random.int(10);
  if (choice < 5 && pointers.length > 0) return setAtPointer(body, random.pick(pointers), randomValue(random));
  if (choice < 7 && pointers.length > 0) return setAtPointer(body, random.pick(pointers), REMOVE);
  if (choice < 9) {
    const parents = ['', ...pointers.filter((p) => /\/(request|input|owner|trigger|context|runtime_overrides)$/.test(p))];
    return setAtPointer(body, `${random.pick(parents)}/${random.pick(EXTRA_KEYS)}`, randomValue(random));
  }
  return setAtPointer(body, '/kind', random.pick(['agent', 'workflow', 'task', 'eval', 'job', 7]));
}

/** What a fuzz case sends: a JSON value, or raw bytes (text-level damage). */
export type FuzzCase = { kind: 'json'; body: unknown } | { kind: 'bytes'; body: Buffer };

/** Text-level damage to a serialised body: truncation, a flipped byte, an injected token or invalid UTF-8. */
function damageText(text: string, random: SeededRandom): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const at = random.int(bytes.length);
  switch (random.int(5)) {
    case 0:
      return bytes.subarray(0, at);
    case 1: {
      const copy = Buffer.from(bytes);
      copy[at] = random.int(256);
      return copy;
    }
    case 2:
      return Buffer.concat([bytes.subarray(0, at), Buffer.from([0xc3, 0x28, 0xff]), bytes.subarray(at)]);
    case 3:
      return Buffer.from(text.replace(/"target":"[^"]*"/, '"target":1e400').replace(/\d+/, '1e999'), 'utf8');
    default:
      return Buffer.from(text.replace(/"([a-z_]+)":/, '"$1\\u0000":'), 'utf8');
  }
}

/**
 * `count` deterministic fuzz cases derived from the contract's minimal valid bodies: about
 * nine in ten are structurally mutated JSON (one to three mutations each), the rest damaged
 * text. `prepare` adjusts each base body first (e.g. to an owner the caller may use).
 */
export function fuzzCases(seed: number, count: number, prepare: (body: Record<string, unknown>) => Record<string, unknown> = (b) => b): FuzzCase[] {
  const random = new SeededRandom(seed);
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i += 1) {
    let body = prepare(validRequestBody(random.pick(REQUEST_FIXTURES)));
    const mutations = 1 + random.int(3);
    for (let m = 0; m < mutations; m += 1) body = mutateOnce(body, random);
    if (random.int(10) === 0) cases.push({ kind: 'bytes', body: damageText(JSON.stringify(body), random) });
    else cases.push({ kind: 'json', body });
  }
  return cases;
}
