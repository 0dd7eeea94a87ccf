// What the Kubernetes and Compose manifests in infra/ must satisfy beyond their schemas: references that resolve,
// every service deployed with probes, resources, a disruption budget and a locked-down container, and only settings
// callwatch reads. Each check returns its problems as sentences naming the file and object; none means it passes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment, StatefulSet, type IDeployment, type IStatefulSet } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service, type IConfigMap, type IPodTemplateSpec, type IProbe, type IService } from 'kubernetes-models/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { AGGREGATOR_ENV } from '@callwatch/aggregator';
import { CONSOLE_ENV } from '@callwatch/console';
import { ENFORCER_ENV } from '@callwatch/enforcer';
import { EVALUATOR_ENV } from '@callwatch/evaluator';
import { NOTIFIER_ENV } from '@callwatch/notifier';
import { RECORDER_ENV } from '@callwatch/recorder';

export const ROOT = join(__dirname, '..', '..');
export const K8S_DIR = join(ROOT, 'infra', 'k8s');
export const COMPOSE_FILE = join(ROOT, 'infra', 'compose.yaml');

/** SERVICES are the folders of services/ that have a main: every one of them is deployed. */
export const SERVICES = readdirSync(join(ROOT, 'services')).filter((name) => existsSync(join(ROOT, 'services', name, 'src', 'main.ts')));

/** SETTINGS are every variable a callwatch service reads (the services' *_ENV specs, which the CLI's are part of). */
export const SETTINGS = new Set([AGGREGATOR_ENV, ENFORCER_ENV, EVALUATOR_ENV, NOTIFIER_ENV, RECORDER_ENV, CONSOLE_ENV].flatMap((specs) => Object.keys(specs)));

/** Variables the manifests may set that callwatch itself does not read, each for its reader. */
export const FOREIGN_VARIABLES: Record<string, string> = {
  TZ: 'Node and libc: the time zone of logs and of anything not given one',
  AWS_SECRET_ACCESS_KEY: 'the AWS SDK, with AWS_ACCESS_KEY_ID',
  AWS_SESSION_TOKEN: 'the AWS SDK, with temporary credentials',
  NODE_OPTIONS: 'Node itself (a heap limit, say)',
};

const unknownVariable = (name: string) => !SETTINGS.has(name) && !(name in FOREIGN_VARIABLES);
const isLoopbackHost = (host: string | undefined) => host === undefined || host === 'localhost' || host === '::1' || /^127\./.test(host);

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes

/** K8sObject is one parsed document of a manifest, with the file it came from. */
export interface K8sObject {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Kustomization is the part of kustomization.yaml these checks read. */
export interface Kustomization {
  resources?: string[];
  secretGenerator?: Array<{ name: string; envs?: string[]; files?: string[]; literals?: string[] }>;
  [field: string]: unknown;
}

/** K8sManifests are the objects kustomization.yaml applies, the Secrets it generates among them. */
export interface K8sManifests {
  kustomization: Kustomization;
  objects: K8sObject[];
}

// A generated Secret's keys come from its env file; that file is never committed, its .example is.
function generatedSecrets(kustomization: Kustomization, dir: string): K8sObject[] {
  return (kustomization.secretGenerator ?? []).map(({ name, envs = [], literals = [] }) => {
    const keys = [
      ...envs.flatMap((file) => readFileSync(join(dir, `${file}.example`), 'utf8').split('\n').filter((line) => /^\s*[A-Za-z_][A-Za-z0-9_]*=/.test(line)).map((line) => line.split('=')[0]!.trim())),
      ...literals.map((literal) => literal.split('=')[0]!),
    ];
    return { file: 'kustomization.yaml (secretGenerator)', apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: Object.fromEntries(keys.map((key) => [key, ''])) };
  });
}

/** loadK8s reads kustomization.yaml and every manifest it names. */
export function loadK8s(dir = K8S_DIR): K8sManifests {
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const objects = (kustomization.resources ?? []).filter((file) => existsSync(join(dir, file))).flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8'))
      .map((doc) => doc.toJS() as K8sObject | null)
      .flatMap((doc) => (doc === null ? [] : [{ ...doc, file }])),
  );
  return { kustomization, objects: [...objects, ...generatedSecrets(kustomization, dir)] };
}

/** kustomizationProblems: every manifest file in the folder is applied, and every file applied exists. */
export function kustomizationProblems({ kustomization }: K8sManifests, dir = K8S_DIR): string[] {
  const resources = kustomization.resources ?? [];
  const files = readdirSync(dir).filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml');
  return [
    ...files.filter((file) => !resources.includes(file)).map((file) => `kustomization.yaml: ${file} is not in resources, so kubectl apply -k skips it`),
    ...resources.filter((file) => !files.includes(file)).map((file) => `kustomization.yaml: resources name ${file}, which does not exist`),
    ...(kustomization.secretGenerator ?? []).flatMap(({ name, envs = [] }) => envs.filter((file) => !existsSync(join(dir, `${file}.example`))).map((file) => `kustomization.yaml: Secret ${name} is made of ${file}, and ${file}.example, which says its keys, is missing`)),
  ];
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

const where = (o: K8sObject) => `${o.file}: ${o.kind} ${o.metadata?.name}`;

/** schemaProblems validates every object against the Kubernetes OpenAPI schema of its kind (npm kubernetes-models). */
export function schemaProblems({ objects }: K8sManifests): string[] {
  return objects.flatMap((o) => {
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!Model) return [`${where(o)}: no schema here for ${o.apiVersion} ${o.kind}; add its model to MODELS`];
    const { file: _file, ...data } = o;
    try {
      new Model(data as never).validate();
      return [];
    } catch (err) {
      return [`${where(o)}: ${(err as Error).message}`];
    }
  });
}

type Workload = K8sObject & (IDeployment | IStatefulSet);
const workloads = ({ objects }: K8sManifests) => objects.filter((o): o is Workload => o.kind === 'Deployment' || o.kind === 'StatefulSet');
const ofKind = <T>(objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind) as Array<K8sObject & T>;
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  Object.keys(selector ?? {}).length > 0 && Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
const podLabels = (w: Workload) => (w.spec?.template as IPodTemplateSpec | undefined)?.metadata?.labels;

/** serviceProblems: each callwatch service runs in one workload (its main as the command) and has a disruption budget. */
export function serviceProblems(manifests: K8sManifests): string[] {
  const budgets = ofKind<IPodDisruptionBudget>(manifests.objects, 'PodDisruptionBudget');
  return SERVICES.flatMap((service) => {
    const runs = workloads(manifests).filter((w) => w.spec?.template.spec?.containers.some((c) => c.command?.join(' ') === `node services/${service}/dist/main.js`));
    if (runs.length !== 1) return [`the ${service} service runs in ${runs.length} workloads (Deployment or StatefulSet with command node services/${service}/dist/main.js); expected 1`];
    const [workload] = runs as [Workload];
    return budgets.some((b) => selects(b.spec?.selector?.matchLabels, podLabels(workload))) ? [] : [`${where(workload)}: no PodDisruptionBudget selects its pods (the ${service} service)`];
  });
}

/** selectorProblems: workloads select their own pods; every Service and PodDisruptionBudget selects one workload's pods. */
export function selectorProblems(manifests: K8sManifests): string[] {
  const all = workloads(manifests);
  const problems = all.filter((w) => !selects(w.spec?.selector.matchLabels, podLabels(w))).map((w) => `${where(w)}: spec.selector.matchLabels does not match the labels of its pod template`);
  for (const o of [...ofKind<IService>(manifests.objects, 'Service'), ...ofKind<IPodDisruptionBudget>(manifests.objects, 'PodDisruptionBudget')]) {
    const selector = o.kind === 'Service' ? (o as IService).spec?.selector : (o as IPodDisruptionBudget).spec?.selector?.matchLabels;
    const matched = all.filter((w) => selects(selector, podLabels(w)));
    if (matched.length !== 1) {
      problems.push(`${where(o)}: its selector matches the pods of ${matched.length} workloads; expected 1`);
      continue;
    }
    if (o.kind !== 'Service') continue;
    const ports = matched[0]!.spec!.template.spec!.containers.flatMap((c) => c.ports ?? []);
    for (const port of (o as IService).spec?.ports ?? []) {
      const target = port.targetPort ?? port.port;
      if (!ports.some((p) => p.name === target || p.containerPort === target)) problems.push(`${where(o)}: port ${port.name ?? port.port} targets ${target}, which no container of ${where(matched[0]!)} declares`);
    }
  }
  return problems;
}

const CPU_AND_MEMORY = ['cpu', 'memory'];

/** podProblems checks every container of every workload: probes, ports, resources, security, references, settings. */
export function podProblems(manifests: K8sManifests): string[] {
  const configMaps = new Map(ofKind<IConfigMap>(manifests.objects, 'ConfigMap').map((c) => [c.metadata.name, c.data ?? {}]));
  const secrets = new Map(ofKind<{ data?: Record<string, string>; stringData?: Record<string, string> }>(manifests.objects, 'Secret').map((s) => [s.metadata.name, { ...s.data, ...s.stringData }]));
  const problems: string[] = [];
  for (const w of workloads(manifests)) {
    const template = w.spec!.template;
    const pod = template.spec!;
    const claims = new Set(((w.spec as IStatefulSet['spec'])?.volumeClaimTemplates ?? []).map((c) => c.metadata?.name));
    const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
    for (const v of pod.volumes ?? []) {
      if (v.secret && !v.secret.optional && !secrets.has(v.secret.secretName ?? '')) problems.push(`${where(w)}: volume ${v.name} mounts Secret ${v.secret.secretName}, which no manifest makes`);
      if (v.configMap && !v.configMap.optional && !configMaps.has(v.configMap.name ?? '')) problems.push(`${where(w)}: volume ${v.name} mounts ConfigMap ${v.configMap.name}, which no manifest makes`);
    }
    for (const c of pod.containers) {
      const at = `${where(w)}, container ${c.name}`;
      // The settings this container gets: the ConfigMaps it takes whole, then its own env (which wins).
      const settings: Record<string, string> = {};
      for (const from of c.envFrom ?? []) {
        if (from.configMapRef) {
          const data = configMaps.get(from.configMapRef.name ?? '');
          if (data) Object.assign(settings, data);
          else if (!from.configMapRef.optional) problems.push(`${at}: envFrom names ConfigMap ${from.configMapRef.name}, which no manifest makes`);
        }
        if (from.secretRef && !from.secretRef.optional && !secrets.has(from.secretRef.name ?? '')) problems.push(`${at}: envFrom names Secret ${from.secretRef.name}, which no manifest makes (or mark it optional)`);
      }
      for (const e of c.env ?? []) {
        if (unknownVariable(e.name)) problems.push(`${at}: env ${e.name} is not a callwatch setting (docs/configuration.md)`);
        const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
        const source = e.valueFrom?.configMapKeyRef ? configMaps : secrets;
        if (ref && !ref.optional && !(ref.key in (source.get(ref.name ?? '') ?? {}))) problems.push(`${at}: env ${e.name} takes key ${ref.key} of ${ref.name}, which has no such key`);
        if (e.value !== undefined) settings[e.name] = e.value;
      }
      // Probes and Prometheus reach the metrics server on its port; the default METRICS_HOST answers only inside the pod.
      const metricsPort = Number(settings.METRICS_PORT ?? 9464);
      const ports = c.ports ?? [];
      if (!ports.some((p) => p.containerPort === metricsPort)) problems.push(`${at}: no container port is METRICS_PORT (${metricsPort})`);
      if (isLoopbackHost(settings.METRICS_HOST)) problems.push(`${at}: METRICS_HOST is ${settings.METRICS_HOST ?? 'unset (127.0.0.1)'}: the probes and Prometheus connect to the pod's address, set it to 0.0.0.0`);
      if (!settings.API_TOKEN && !settings.API_TOKEN_FILE) problems.push(`${at}: neither API_TOKEN nor API_TOKEN_FILE is set: beyond loopback its POST endpoints answer 403`);
      // Ready while its checks pass; alive while the process answers (docs/operations.md).
      for (const [name, path] of [['readinessProbe', '/healthz'], ['livenessProbe', '/livez']] as const) {
        const get = (c[name] as IProbe | undefined)?.httpGet;
        if (!get) {
          problems.push(`${at}: no ${name} (GET ${path})`);
          continue;
        }
        if (get.path !== path) problems.push(`${at}: ${name} asks ${get.path}; expected ${path}`);
        const port = ports.find((cp) => cp.name === get.port || cp.containerPort === get.port);
        if (!port) problems.push(`${at}: ${name} port ${get.port} is not a port of the container`);
        else if (port.containerPort !== metricsPort) problems.push(`${at}: ${name} port ${get.port} is ${port.containerPort}, not METRICS_PORT (${metricsPort})`);
      }
      const scrapePort = template.metadata?.annotations?.['prometheus.io/port'];
      if (template.metadata?.annotations?.['prometheus.io/scrape'] !== 'true') problems.push(`${at}: its pod lacks the annotation prometheus.io/scrape: "true"`);
      else if (Number(scrapePort) !== metricsPort) problems.push(`${at}: prometheus.io/port is ${scrapePort}, not METRICS_PORT (${metricsPort})`);
      for (const kind of ['requests', 'limits'] as const) {
        const missing = CPU_AND_MEMORY.filter((r) => c.resources?.[kind]?.[r] === undefined);
        if (missing.length > 0) problems.push(`${at}: resources.${kind} has no ${missing.join(' or ')}`);
      }
      const security = { ...pod.securityContext, ...c.securityContext };
      if (security.runAsNonRoot !== true) problems.push(`${at}: runAsNonRoot is not true`);
      if (typeof security.runAsUser !== 'number' || security.runAsUser === 0) problems.push(`${at}: runAsUser is not a non-zero number (the kubelet cannot check runAsNonRoot against the image's user name)`);
      if (c.securityContext?.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation is not false`);
      if (c.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem is not true`);
      if (!c.securityContext?.capabilities?.drop?.includes('ALL')) problems.push(`${at}: capabilities.drop lacks ALL`);
      for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name) && !claims.has(m.name)) problems.push(`${at}: volumeMount ${m.name} names no volume or volumeClaimTemplate`);
      // A *_FILE setting that points into a mounted Secret must name one of its keys.
      for (const [name, path] of Object.entries(settings).filter(([name]) => name.endsWith('_FILE') && settings[name])) {
        const mount = (c.volumeMounts ?? []).find((m) => path.startsWith(`${m.mountPath.replace(/\/$/, '')}/`));
        const secret = mount && volumes.get(mount.name)?.secret;
        if (!mount) problems.push(`${at}: ${name} is ${path}, which no volumeMount of the container holds`);
        else if (secret && !(path.slice(mount.mountPath.replace(/\/$/, '').length + 1) in (secrets.get(secret.secretName ?? '') ?? {}))) {
          problems.push(`${at}: ${name} is ${path}, but Secret ${secret.secretName} (mounted at ${mount.mountPath}) has no key ${path.split('/').pop()}`);
        }
      }
    }
  }
  for (const [name, data] of configMaps) for (const key of Object.keys(data)) if (unknownVariable(key)) problems.push(`ConfigMap ${name}: ${key} is not a callwatch setting (docs/configuration.md)`);
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Compose

interface ComposeService {
  command?: string[];
  environment?: Record<string, string | number | null>;
  healthcheck?: { test?: string[] };
  deploy?: { resources?: { limits?: { cpus?: string | number; memory?: string } } };
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  ports?: string[];
  depends_on?: Record<string, unknown> | string[];
  volumes?: string[];
}

/** Compose is the part of compose.yaml these checks read, anchors and merge keys resolved. */
export interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** loadCompose parses compose.yaml as Compose does: YAML 1.1 merge keys (`<<: *callwatch`) resolved. */
export function loadCompose(file = COMPOSE_FILE): Compose {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as Compose;
}

/** composeProblems checks compose.yaml's callwatch services as podProblems checks the pods. */
export function composeProblems(compose: Compose): string[] {
  const problems: string[] = [];
  const names = Object.keys(compose.services ?? {});
  for (const service of SERVICES) {
    const runs = names.filter((name) => compose.services[name]!.command?.join(' ') === `node services/${service}/dist/main.js`);
    if (runs.length !== 1) problems.push(`compose.yaml: the ${service} service runs in ${runs.length} services (command node services/${service}/dist/main.js); expected 1`);
  }
  for (const [name, s] of Object.entries(compose.services ?? {})) {
    const at = `compose.yaml: service ${name}`;
    for (const other of Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {})) if (!names.includes(other)) problems.push(`${at}: depends_on names ${other}, which is not a service`);
    for (const volume of s.volumes ?? []) {
      const source = volume.split(':')[0]!;
      if (!/^[./~]/.test(source) && !(source in (compose.volumes ?? {}))) problems.push(`${at}: volume ${source} is not declared under volumes`);
    }
    for (const port of s.ports ?? []) if (!/^127\.0\.0\.1:/.test(port)) problems.push(`${at}: port ${port} is published beyond the host's loopback`);
    if (!s.command?.join(' ').match(/^node services\/[a-z]+\/dist\/main\.js$/)) continue;
    const env = Object.fromEntries(Object.entries(s.environment ?? {}).map(([key, value]) => [key, value === null ? '' : String(value)]));
    for (const key of Object.keys(env)) if (unknownVariable(key)) problems.push(`${at}: environment ${key} is not a callwatch setting (docs/configuration.md)`);
    const metricsPort = env.METRICS_PORT ?? '9464';
    if (isLoopbackHost(env.METRICS_HOST)) problems.push(`${at}: METRICS_HOST is ${env.METRICS_HOST ?? 'unset (127.0.0.1)'}: a published port or Prometheus on the network cannot reach it`);
    if (!env.API_TOKEN && !env.API_TOKEN_FILE) problems.push(`${at}: neither API_TOKEN nor API_TOKEN_FILE is set: beyond loopback its POST endpoints answer 403`);
    if (!s.healthcheck?.test?.join(' ').includes(`127.0.0.1:${metricsPort}/healthz`)) problems.push(`${at}: its healthcheck does not ask /healthz on METRICS_PORT (${metricsPort})`);
    const limits = s.deploy?.resources?.limits;
    if (limits?.cpus === undefined || limits?.memory === undefined) problems.push(`${at}: deploy.resources.limits needs cpus and memory`);
    if (!/^[1-9]\d*(:\d+)?$/.test(s.user ?? '')) problems.push(`${at}: user is ${s.user ?? 'unset'}; expected a non-root uid (1000:1000)`);
    if (s.read_only !== true) problems.push(`${at}: read_only is not true`);
    if (!s.cap_drop?.includes('ALL')) problems.push(`${at}: cap_drop lacks ALL`);
    if (!s.security_opt?.includes('no-new-privileges:true')) problems.push(`${at}: security_opt lacks no-new-privileges:true`);
  }
  return problems;
}
