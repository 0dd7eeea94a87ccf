import { CallwatchError } from '@callwatch/core';
import { ScriptSandbox, type ScriptResult } from './script-sandbox';

const m = { entity: 'customer:acme', asr: 20, attempts: 200, acd: null, codes: { '486': 30 } };
// The event time of the snapshot a script judges: 2023-11-14T22:13:20.000Z.
const NOW = 1_700_000_000_000;

describe('ScriptSandbox', () => {
  let sandbox: ScriptSandbox;
  beforeAll(async () => {
    sandbox = await ScriptSandbox.create({ timeoutMs: 50 });
  });
  afterAll(() => sandbox.dispose());

  const timed = (ruleId: string, script: string): { result: ScriptResult; ms: number } => {
    const started = performance.now();
    const result = sandbox.run(ruleId, script, m, NOW);
    return { result, ms: performance.now() - started };
  };

  it('returns a number as itself and a boolean as 1 or 0', () => {
    expect(sandbox.run('half', 'return m.asr / 2', m, NOW)).toEqual({ value: 10, error: null });
    expect(sandbox.run('low', 'return m.asr < 30 && m.attempts > 50', m, NOW)).toEqual({ value: 1, error: null });
    expect(sandbox.run('low', 'return m.asr < 30 && m.attempts > 50', { ...m, asr: 40 }, NOW)).toEqual({ value: 0, error: null });
  });

  it('reads null as no data, and a missing value in m as null', () => {
    expect(sandbox.run('acd', 'return m.acd === null ? null : m.acd', m, NOW)).toEqual({ value: null, error: null });
    expect(sandbox.run('codes', 'return m.codes["486"] + (m.codes["503"] ?? 0)', m, NOW)).toEqual({ value: 30, error: null });
  });

  it.each([
    ['a string', 'return "30"', 'got a string "30"'],
    ['NaN', 'return 0 / 0', 'got NaN'],
    ['Infinity', 'return 1 / 0', 'got Infinity'],
    ['nothing', 'm.asr + 1', 'got undefined'],
    ['an object', 'return { asr: m.asr }', 'got an object'],
  ])('reports %s as CW_ERR_SCRIPT_FAILED', (_name, script, got) => {
    const { value, error } = sandbox.run('result', script, m, NOW);
    expect(value).toBeNull();
    expect(error).toBeInstanceOf(CallwatchError);
    expect(error?.code).toBe('CW_ERR_SCRIPT_FAILED');
    expect(error?.message).toContain(`expected a number or a boolean, ${got}`);
    expect(error?.details).toMatchObject({ ruleId: 'result' });
  });

  it('reports a syntax error at compile time, and compiles again once the text changes', () => {
    const first = sandbox.run('typo', 'return (m.asr', m, NOW);
    expect(first.error?.code).toBe('CW_ERR_SCRIPT_FAILED');
    expect(first.error?.message).toMatch(/^script rule typo: SyntaxError: /);
    expect(sandbox.run('typo', 'return (m.asr', m, NOW).error).toBe(first.error);
    expect(sandbox.run('typo', 'return (m.asr)', m, NOW)).toEqual({ value: 20, error: null });
  });

  it('reports what a script throws with its line, and runs it again on the next call', () => {
    const script = 'const x = m.asr;\nif (x < 30) throw new RangeError("asr too low: " + x);\nreturn x';
    const { error } = sandbox.run('thrower', script, m, NOW);
    expect(error?.code).toBe('CW_ERR_SCRIPT_FAILED');
    expect(error?.message).toBe('script rule thrower: RangeError: asr too low: 20 (line 2)');
    expect(sandbox.run('thrower', 'throw "plain"', m, NOW).error?.message).toBe('script rule thrower: threw "plain"');
    expect(sandbox.run('thrower', script, { ...m, asr: 45 }, NOW)).toEqual({ value: 45, error: null });
  });

  it('interrupts an endless loop at about the time limit, even one inside try/catch', () => {
    for (const script of ['while (true) {}', 'try { for (;;) {} } catch (e) { return 1 }']) {
      const { result, ms } = timed('forever', script);
      expect(result.value).toBeNull();
      expect(result.error?.code).toBe('CW_ERR_SCRIPT_TIMEOUT');
      expect(result.error?.message).toContain('ran longer than 50 ms');
      expect(ms).toBeGreaterThanOrEqual(45);
      expect(ms).toBeLessThan(500);
    }
  });

  it('stops allocation bombs', () => {
    // Sparse arrays cost QuickJS little memory: this one runs out of time first.
    expect(sandbox.run('bomb', 'const a = []; for (;;) a.push(new Array(1e5))', m, NOW).error?.code).toMatch(/^CW_ERR_SCRIPT_(TIMEOUT|MEMORY)$/);
    for (const script of [
      'const a = []; for (;;) a.push(new Float64Array(1e5))',
      'const a = []; for (;;) a.push("x".repeat(1e6) + a.length)',
      'const a = []; for (;;) a.push(new Array(1e5).fill(1))',
      'return "x".repeat(1e8).length',
    ]) {
      const { result, ms } = timed('bomb', script);
      expect(result.error?.code).toBe('CW_ERR_SCRIPT_MEMORY');
      expect(ms).toBeLessThan(3_000);
    }
  });

  it('stops unbounded recursion at the stack limit', () => {
    expect(sandbox.run('deep', 'const f = (n) => f(n + 1) + 1; return f(0)', m, NOW).error?.code).toBe('CW_ERR_SCRIPT_MEMORY');
  });

  it('keeps a failure to its own rule: the next rule runs, and so does the failed rule', () => {
    const bombs = ['while (true) {}', 'const a = []; for (;;) a.push(new Float64Array(1e5))', 'throw new Error("no")'];
    for (const bomb of bombs) {
      expect(sandbox.run('bad', bomb, m, NOW).error).not.toBeNull();
      expect(sandbox.run('good', 'return m.asr * 2', m, NOW)).toEqual({ value: 40, error: null });
      // The failed rule's next call runs again (a fresh context after a limit), so it fails again the same way.
      expect(sandbox.run('bad', bomb, m, NOW).error?.code).toBe(sandbox.run('bad', bomb, m, NOW).error?.code);
    }
    // Memory failures, however many, leave the sandbox at most one memory limit larger than the rules need.
    const before = sandbox.heapBytes;
    for (let i = 0; i < 10; i++) expect(sandbox.run('bad', bombs[1] as string, m, NOW).error?.code).toBe('CW_ERR_SCRIPT_MEMORY');
    expect(sandbox.heapBytes).toBe(before);
    expect(sandbox.heapBytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    expect(sandbox.run('good', 'return m.asr * 2', m, NOW)).toEqual({ value: 40, error: null });
  });

  it('leaves calls their memory when rules compiled after a memory failure reuse what it freed', () => {
    expect(sandbox.run('bad', 'const a = []; for (;;) a.push(new Float64Array(1e5))', m, NOW).error?.code).toBe('CW_ERR_SCRIPT_MEMORY');
    for (let i = 0; i < 150; i++) expect(sandbox.run(`rule-${i}`, `return m.asr + ${i}`, m, NOW).value).toBe(20 + i);
    expect(sandbox.run('needs-4mib', 'return new Float64Array(5e5).fill(1).length', m, NOW)).toEqual({ value: 5e5, error: null });
    for (let i = 0; i < 150; i++) sandbox.forget(`rule-${i}`);
  });

  it.each(['require', 'process', 'fetch', 'console', 'setTimeout', 'XMLHttpRequest', 'std', 'os'])('has no %s', (name) => {
    expect(sandbox.run('io', `return typeof ${name} === 'undefined'`, m, NOW)).toEqual({ value: 1, error: null });
  });

  it('keeps no state between calls: globals and built-ins are frozen', () => {
    for (const script of ['globalThis.n = (globalThis.n ?? 0) + 1; return globalThis.n', 'Math.max = () => 99; return 1', 'seen = 1; return 1']) {
      const { error } = sandbox.run('stateful', script, m, NOW);
      expect(error?.code).toBe('CW_ERR_SCRIPT_FAILED');
      expect(error?.message).toMatch(/(TypeError|ReferenceError)/);
    }
    expect(sandbox.run('fresh', 'm.asr = 99; return Math.max(m.asr, 1)', m, NOW)).toEqual({ value: 99, error: null });
    expect(sandbox.run('fresh', 'm.asr = 99; return Math.max(m.asr, 1)', { ...m, asr: 1 }, NOW)).toEqual({ value: 99, error: null });
    expect(m.asr).toBe(20);
  });

  it('gives a script the event time of its snapshot as its clock, not the host\'s', () => {
    expect(sandbox.run('clock', 'return Date.now()', m, NOW)).toEqual({ value: NOW, error: null });
    expect(sandbox.run('clock', 'return Date.now()', m, NOW + 60_000)).toEqual({ value: NOW + 60_000, error: null });
    expect(sandbox.run('hour', 'return new Date().getUTCHours()', m, NOW)).toEqual({ value: 22, error: null });
    const rest = [
      'new Date() instanceof Date', 'new Date(0).getTime() === 0', 'new Date(2024, 0, 1) instanceof Date',
      'Date() === new Date().toString()', 'Date.UTC(2023, 10, 14) === Date.parse("2023-11-14T00:00:00Z")',
      'new (class extends Date {})().getTime() === Date.now()', 'new Date().constructor === Date',
    ];
    expect(sandbox.run('dates', `return ${rest.join(' && ')}`, m, NOW)).toEqual({ value: 1, error: null });
  });

  it('has no Math.random: a script calling it fails and says why', () => {
    const { value, error } = sandbox.run('dice', 'return Math.random() < 0.5', m, NOW);
    expect(value).toBeNull();
    expect(error?.code).toBe('CW_ERR_SCRIPT_FAILED');
    expect(error?.message).toMatch(/^script rule dice: Error: Math.random is not available: a script rule must decide the same way live and in callwatch replay/);
  });

  it('checks that a script compiles without keeping it, reporting a syntax or strict-mode error with its line', () => {
    expect(sandbox.check('fine', 'return m.asr < 30')).toBeNull();
    const typo = sandbox.check('typo', 'const x = m.asr;\nreturn (x');
    expect(typo).toMatchObject({ code: 'CW_ERR_SCRIPT_FAILED', details: { ruleId: 'typo', name: 'SyntaxError', line: 2 } });
    expect(sandbox.check('with', 'with (m) { return asr < 30 }')?.details).toMatchObject({ name: 'SyntaxError' });
    // A script that compiles but throws is only known to fail when it runs.
    expect(sandbox.check('thrower', 'throw new Error("no")')).toBeNull();
  });

  it.each([
    ['the global through Function', 'const g = Function("return this")(); return typeof g.process === "undefined" && typeof g.require === "undefined"'],
    ['the global through indirect eval', 'const g = (0, eval)("this"); return typeof g.process === "undefined" && typeof g.module === "undefined"'],
    ['a constructor chain from m', 'const g = m.constructor.constructor("return this")(); return typeof g.process === "undefined"'],
    ['globalThis.constructor', 'return globalThis.constructor === Object && globalThis.constructor.constructor("return typeof process")() === "undefined"'],
    ['this in the script (strict: undefined)', 'return this === undefined && (function () { return this })() === undefined'],
    ['dynamic import', 'try { import("fs"); } catch (e) { return true } return typeof std === "undefined"'],
  ])('finds no host through %s', (_name, script) => {
    expect(sandbox.run('escape', script, m, NOW)).toEqual({ value: 1, error: null });
  });

  it.each([
    'm.__proto__.polluted = 1; return 1',
    'Object.prototype.polluted = 1; return 1',
    'Object.defineProperty(Object.prototype, "polluted", { value: 1 }); return 1',
    'Function("return this")().polluted = 1; return 1',
    'Array.prototype.push = () => 0; return 1',
  ])('cannot pollute a prototype or the global (%s): it fails, and neither the host nor the next call sees it', (script) => {
    const { error } = sandbox.run('pollute', script, m, NOW);
    expect(error?.code).toBe('CW_ERR_SCRIPT_FAILED');
    expect(error?.message).toMatch(/TypeError/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(sandbox.run('after-pollute', 'return ({}).polluted === undefined && [1].push(2) === 2', m, NOW)).toEqual({ value: 1, error: null });
  });

  it('stops a string of a billion characters and reports why', () => {
    const { value, error } = sandbox.run('huge-string', 'return "x".repeat(1e9).length', m, NOW);
    expect(value).toBeNull();
    expect(error?.code).toMatch(/^CW_ERR_SCRIPT_(FAILED|MEMORY)$/);
    expect(error?.message).toMatch(/^script rule huge-string: .*(length|memory)/);
  });

  it('reports a huge returned value in a few words, never the value itself', () => {
    for (const script of ['return "x".repeat(5e6)', 'return new Array(1e6).fill("x")', 'return { valueOf() { while (true) {} } }']) {
      const { value, error } = sandbox.run('huge-result', script, m, NOW);
      expect(value).toBeNull();
      expect(error?.code).toBe('CW_ERR_SCRIPT_FAILED');
      expect(error?.message.length).toBeLessThan(400);
    }
  });

  it('reads what a script throws within a deadline of its own, even a thrower whose getters loop or throw', () => {
    const looping = sandbox.run('hostile-throw', 'throw { get message() { while (true) {} } }', m, NOW);
    expect(looping.value).toBeNull();
    expect(looping.error?.code).toMatch(/^CW_ERR_SCRIPT_(FAILED|TIMEOUT)$/);
    const throwing = sandbox.run('hostile-throw', 'throw { get name() { throw new Error("again") } }', m, NOW);
    expect(throwing.error?.message).toBe('script rule hostile-throw: threw a value that could not be read');
    expect(sandbox.run('hostile-throw', 'return 1', m, NOW)).toEqual({ value: 1, error: null });
  });

  it('refuses limits that are not positive integers', async () => {
    await expect(ScriptSandbox.create({ timeoutMs: 0 })).rejects.toMatchObject({ code: 'CW_ERR_CONFIG' });
  });
});
