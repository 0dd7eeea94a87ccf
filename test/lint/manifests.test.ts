import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  COMPOSE_FILE,
  SERVICES,
  composeProblems,
  kustomizationProblems,
  loadCompose,
  loadK8s,
  podProblems,
  schemaProblems,
  selectorProblems,
  serviceProblems,
  type K8sManifests,
  type K8sObject,
} from './manifest-checks';

// dclint: the compose-spec JSON schema (which Docker Compose validates against) plus the rules chosen here. A rule
// left out of this table would run with dclint's default level, so every one of dclint 3.1.0's is named.
/** ComposeLinter is the part of dclint's DCLinter used here. */
interface ComposeLinter {
  lintFiles(paths: string[], recursive: boolean): Array<{ messages: Array<{ rule: string; type: 'error' | 'warning'; line: number; message: string }> }>;
}
// dclint's own types are an ES module's, whose relative imports TypeScript cannot follow from here; its CommonJS build
// is what this CommonJS test loads.
const { DCLinter } = createRequire(__filename)('dclint') as { DCLinter: new (config: { quiet: boolean; debug: boolean; exclude: string[]; rules: Record<string, 0 | 1 | 2> }) => ComposeLinter };
const COMPOSE_LINT = new DCLinter({
  quiet: true,
  debug: false,
  exclude: [],
  rules: {
    'no-duplicate-container-names': 2,
    'no-duplicate-exported-ports': 2,
    'no-unbound-port-interfaces': 2,
    'no-version-field': 2,
    'service-container-name-regex': 2,
    'service-image-require-explicit-tag': 2,
    // The callwatch services build the image they name, on purpose (callwatch:local).
    'no-build-and-image': 0,
    // Style only.
    'no-quotes-in-volumes': 0,
    'require-project-name-field': 0,
    'require-quotes-in-ports': 0,
    'service-dependencies-alphabetical-order': 0,
    'service-keys-order': 0,
    'service-ports-alphabetical-order': 0,
    'services-alphabetical-order': 0,
    'top-level-properties-order': 0,
  },
});

function composeLint(file: string): string[] {
  return COMPOSE_LINT.lintFiles([file], false).flatMap((r) => r.messages.filter((m) => m.type === 'error').map((m) => `${m.rule} (line ${m.line}): ${m.message}`));
}

const k8sChecks = (m: K8sManifests) => [...kustomizationProblems(m), ...schemaProblems(m), ...serviceProblems(m), ...selectorProblems(m), ...podProblems(m)];

describe('infra/k8s', () => {
  it('deploys every service', () => {
    const names = loadK8s().objects.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const service of SERVICES) expect(names).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^(Deployment|StatefulSet)/callwatch-${service}$`)), `PodDisruptionBudget/callwatch-${service}`]));
  });

  it('is valid against the Kubernetes schemas of its kinds', () => {
    expect(schemaProblems(loadK8s())).toEqual([]);
  });

  it('has every file applied, every reference resolved, and every service probed, bounded and locked down', () => {
    const manifests = loadK8s();
    expect([...kustomizationProblems(manifests), ...serviceProblems(manifests), ...selectorProblems(manifests), ...podProblems(manifests)]).toEqual([]);
  });

  // Each fault is made in a fresh copy of the real manifests: the checks above must name it.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the faults reach anywhere into the parsed YAML
  type Yaml = any;
  const find = (m: K8sManifests, kind: string, name: string) => m.objects.find((o) => o.kind === kind && o.metadata.name === name) as K8sObject & { spec: Yaml; data: Yaml };
  const recorderPod = (m: K8sManifests) => find(m, 'StatefulSet', 'callwatch-recorder').spec.template.spec;
  it.each<[string, (m: K8sManifests) => void, RegExp]>([
    ['a container port that is not an integer', (m) => void (recorderPod(m).containers[0].ports[0].containerPort = 'metrics'), /StatefulSet callwatch-recorder: .*containerPort must be integer/],
    ['a manifest left out of kustomization', (m) => void m.kustomization.resources!.splice(m.kustomization.resources!.indexOf('enforcer.yaml'), 1), /enforcer\.yaml is not in resources/],
    ['a missing disruption budget', (m) => void m.objects.splice(m.objects.indexOf(find(m, 'PodDisruptionBudget', 'callwatch-notifier')), 1), /Deployment callwatch-notifier: no PodDisruptionBudget selects its pods/],
    ['a selector that misses its pods', (m) => void (find(m, 'Deployment', 'callwatch-evaluator').spec.selector.matchLabels['app.kubernetes.io/name'] = 'evaluator'), /callwatch-evaluator: spec.selector.matchLabels does not match/],
    ['a probe on another port', (m) => void (find(m, 'Deployment', 'callwatch-aggregator').spec.template.spec.containers[0].readinessProbe.httpGet.port = 9000), /container aggregator: readinessProbe port 9000 is not a port/],
    ['a liveness probe on /healthz', (m) => void (recorderPod(m).containers[0].livenessProbe.httpGet.path = '/healthz'), /container recorder: livenessProbe asks \/healthz; expected \/livez/],
    ['METRICS_HOST left on loopback', (m) => void delete find(m, 'ConfigMap', 'callwatch-config').data.METRICS_HOST, /METRICS_HOST is unset \(127\.0\.0\.1\)/],
    ['a setting callwatch does not read', (m) => void (find(m, 'ConfigMap', 'callwatch-config').data.METRICS_HOSTS = '0.0.0.0'), /ConfigMap callwatch-config: METRICS_HOSTS is not a callwatch setting/],
    ['a token file that is not a key of the mounted Secret', (m) => void (find(m, 'ConfigMap', 'callwatch-config').data.API_TOKEN_FILE = '/var/run/secrets/callwatch/API-TOKEN'), /Secret callwatch-secrets \(mounted at \/var\/run\/secrets\/callwatch\) has no key API-TOKEN/],
    ['no memory limit', (m) => void delete find(m, 'Deployment', 'callwatch-enforcer').spec.template.spec.containers[0].resources.limits.memory, /container enforcer: resources.limits has no memory/],
    ['a writable root filesystem', (m) => void (recorderPod(m).containers[0].securityContext.readOnlyRootFilesystem = false), /container recorder: readOnlyRootFilesystem is not true/],
    ['a Service whose port targets nothing', (m) => void (find(m, 'Service', 'callwatch-recorder').spec.ports[0].targetPort = 'http'), /Service callwatch-recorder: port metrics targets http/],
    ['a secretKeyRef to a missing key', (m) => void (recorderPod(m).containers[0].env = [{ name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'callwatch-secrets', key: 'TOKEN' } } }]), /env API_TOKEN takes key TOKEN of callwatch-secrets, which has no such key/],
  ])('catches %s', (_fault, breakIt, problem) => {
    const manifests = loadK8s();
    expect(k8sChecks(manifests)).toEqual([]);
    breakIt(manifests);
    expect(k8sChecks(manifests)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });
});

describe('infra/compose.yaml', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'callwatch-compose-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is valid against the compose-spec schema and the lint rules', () => {
    expect(composeLint(COMPOSE_FILE)).toEqual([]);
  });

  it('runs every service with its healthcheck, resources, token and a locked-down container', () => {
    expect(composeProblems(loadCompose())).toEqual([]);
  });

  it.each<[string, string, string, RegExp]>([
    ['a misspelt resource limit', 'cpus: "1.5"', 'cpu: "1.5"', /^invalid-schema .*must NOT have additional properties/],
    ['a port published beyond loopback', '"127.0.0.1:9468:9464"', '"9468:9464"', /^no-unbound-port-interfaces /],
  ])('catches %s (schema and rules)', (_fault, from, to, problem) => {
    const file = join(dir, 'compose.yaml');
    writeFileSync(file, readFileSync(COMPOSE_FILE, 'utf8').replace(from, to));
    expect(composeLint(file)).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });

  it.each<[string, string, string, RegExp]>([
    ['a service left out', 'command: ["node", "services/enforcer/dist/main.js"]', 'command: ["node", "services/enforcer/dist/main.jsx"]', /the enforcer service runs in 0 services/],
    ['METRICS_HOST on loopback', 'METRICS_HOST: 0.0.0.0', 'METRICS_HOST: 127.0.0.1', /service aggregator: METRICS_HOST is 127\.0\.0\.1/],
    ['no token', '    API_TOKEN: ${API_TOKEN', '    NOT_A_TOKEN: ${API_TOKEN', /service recorder: environment NOT_A_TOKEN is not a callwatch setting/],
    ['a healthcheck on another port', '127.0.0.1:9464/healthz', '127.0.0.1:9465/healthz', /service notifier: its healthcheck does not ask \/healthz on METRICS_PORT \(9464\)/],
    ['a writable container', 'read_only: true', 'read_only: false', /service evaluator: read_only is not true/],
  ])('catches %s (cross-references)', (_fault, from, to, problem) => {
    const file = join(dir, 'compose.yaml');
    const text = readFileSync(COMPOSE_FILE, 'utf8');
    expect(text).toContain(from);
    writeFileSync(file, text.replace(from, to));
    expect(composeProblems(loadCompose(file))).toEqual(expect.arrayContaining([expect.stringMatching(problem)]));
  });
});
