import { createRequire } from 'node:module';
import { CallwatchError } from '@callwatch/core';
import {
  RELEASE_SYNC, newQuickJSWASMModuleFromVariant, newVariant,
  type QuickJSContext, type QuickJSHandle, type QuickJSSyncVariant, type QuickJSRuntime, type QuickJSWASMModule,
} from 'quickjs-emscripten';

/** ScriptLimits bound every call of a script rule: its time, the memory it may allocate, and its stack. */
export interface ScriptLimits {
  timeoutMs: number;
  /** memoryLimitBytes is each rule's QuickJS runtime limit, and how far one call may grow the sandbox's memory. */
  memoryLimitBytes: number;
  maxStackSizeBytes: number;
}

/** DEFAULT_SCRIPT_LIMITS are the limits of a sandbox created without any. */
export const DEFAULT_SCRIPT_LIMITS: Readonly<ScriptLimits> = { timeoutMs: 50, memoryLimitBytes: 16 * 1024 * 1024, maxStackSizeBytes: 256 * 1024 };

/** ScriptErrorCode is the code of a script rule's failure. */
export type ScriptErrorCode = 'CW_ERR_SCRIPT_FAILED' | 'CW_ERR_SCRIPT_TIMEOUT' | 'CW_ERR_SCRIPT_MEMORY';

/** ScriptError is why a script rule has no value this time: a CallwatchError with one of the script codes. */
export type ScriptError = CallwatchError & { readonly code: ScriptErrorCode };

/** ScriptResult is one call of a script rule: a number (a boolean as 1 or 0), or null with the error, if any. */
export interface ScriptResult {
  value: number | null;
  error: ScriptError | null;
}

interface Compiled {
  script: string;
  runtime: QuickJSRuntime;
  context: QuickJSContext;
  run: QuickJSHandle;
  describe: QuickJSHandle;
}

// Node has WebAssembly, but the ES2022 lib without DOM that this repository compiles against does not declare it.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory };

// The stock variant loads its Emscripten module with import(), which jest's CommonJS runtime cannot run. This
// requires the same file, resolved from quickjs-emscripten as its own import() would.
const fromQuickJS = createRequire(require.resolve('quickjs-emscripten'));
type ModuleLoader = Awaited<ReturnType<QuickJSSyncVariant['importModuleLoader']>>;

const PAGE_BYTES = 65_536;
// A compiled rule (its runtime, context and frozen built-ins) takes about 140 KiB. Counting 256 KiB for each keeps
// calls from being starved when compiles reuse memory that a failed call grew into and freed.
const COMPILED_RULE_BYTES = 256 * 1024;
// Compiling also freezes the context's built-ins, which takes a few milliseconds: more than a call is allowed.
const COMPILE_TIMEOUT_MS = 1_000;
// The Function constructor puts `(function anonymous(m\n) {\n` before the body, and we put the directive line.
const BODY_FIRST_LINE = 4;

// The prelude gives two functions. `compile` makes the script the body of a strict function of `m` (the Function
// constructor keeps it inside that body), then freezes every object reachable from the global, so a call cannot
// leave state for the next call (which may be for another entity) and a context rebuilt after a failure behaves
// like the one it replaces. Before freezing, it makes the script deterministic, so the live evaluator and a replay
// decide alike: `Date` reads the clock that each call passes (the snapshot's event time) instead of the host's,
// and `Math.random` throws. `describe` reads what a call threw as [name, message, stack] strings.
const PRELUDE = `(function () {
  'use strict';
  const text = (v) => (typeof v === 'string' ? v : '');
  const describe = (e) => (e !== null && (typeof e === 'object' || typeof e === 'function')
    ? [text(e.name), text(e.message), text(e.stack)]
    : ['', 'threw ' + (typeof e === 'string' ? JSON.stringify(e) : typeof e), '']);
  const compile = (body) => {
    const parse = JSON.parse;
    const f = new Function('m', '"use strict";\\n' + body);
    let clock = NaN;
    const HostDate = Date;
    const SnapshotDate = function Date(...args) {
      if (new.target === undefined) return new HostDate(clock).toString();
      return Reflect.construct(HostDate, args.length === 0 ? [clock] : args, new.target);
    };
    SnapshotDate.prototype = HostDate.prototype;
    SnapshotDate.now = () => clock;
    SnapshotDate.parse = HostDate.parse;
    SnapshotDate.UTC = HostDate.UTC;
    Object.defineProperty(HostDate.prototype, 'constructor', { value: SnapshotDate, writable: true, configurable: true });
    globalThis.Date = SnapshotDate;
    Math.random = () => {
      throw new Error('Math.random is not available: a script rule must decide the same way live and in callwatch replay');
    };
    const seen = new Set();
    const todo = [globalThis];
    while (todo.length > 0) {
      const o = todo.pop();
      if ((typeof o !== 'object' && typeof o !== 'function') || o === null || seen.has(o)) continue;
      seen.add(o);
      Object.freeze(o);
      todo.push(Object.getPrototypeOf(o));
      for (const key of Reflect.ownKeys(o)) {
        const d = Reflect.getOwnPropertyDescriptor(o, key);
        todo.push(d.value, d.get, d.set);
      }
    }
    return (json, now) => {
      clock = now;
      return f(parse(json));
    };
  };
  return [describe, compile];
})()`;

/**
 * ScriptSandbox runs script rules in QuickJS (WebAssembly), synchronously once created: each rule's script is
 * compiled once into a function in its own runtime and context, and called with the metrics as JSON. QuickJS has
 * no I/O and no host function is added. A call that throws, runs past its time limit or goes over its memory or
 * stack limit yields a ScriptError; a runtime stopped by a limit is disposed and rebuilt on the rule's next call.
 */
export class ScriptSandbox {
  private readonly compiled = new Map<string, Compiled>();
  // Scripts that do not compile, kept so the same text is not compiled again on every snapshot.
  private readonly broken = new Map<string, { script: string; error: ScriptError }>();
  private deadline = Infinity;
  private interrupted = false;
  // While a script runs, the WebAssembly memory may grow only to this many bytes (see create).
  private ceilingBytes = Infinity;
  private growthDenied = false;
  private readonly initialBytes: number;
  private compileGrowthBytes = 0;
  private readonly interrupt = (): boolean => {
    if (performance.now() <= this.deadline) return false;
    this.interrupted = true;
    return true;
  };

  private constructor(
    private readonly module: QuickJSWASMModule,
    private readonly memory: WasmMemory,
    private readonly limits: ScriptLimits,
  ) {
    this.initialBytes = memory.buffer.byteLength;
    // Emscripten's heap grows through this object's grow(); a throw makes QuickJS's malloc fail.
    const grow = memory.grow.bind(memory);
    memory.grow = (pages: number): number => {
      if (memory.buffer.byteLength + pages * PAGE_BYTES > this.ceilingBytes) {
        this.growthDenied = true;
        throw new RangeError('script memory limit');
      }
      return grow(pages);
    };
  }

  /**
   * create loads a QuickJS WebAssembly module of the sandbox's own. Its memory is guarded because QuickJS's
   * per-runtime limit (setMemoryLimit) cannot count bytes in this build (no malloc_usable_size under Emscripten,
   * quickjs-emscripten issue #271): it stops one oversized allocation but not many large ones. So while a script
   * runs, the module's memory may grow by at most memoryLimitBytes over what the compiled rules need; past that,
   * allocations fail inside QuickJS, which throws "out of memory".
   */
  static async create(limits: Partial<ScriptLimits> = {}): Promise<ScriptSandbox> {
    const checked: ScriptLimits = {
      timeoutMs: limits.timeoutMs ?? DEFAULT_SCRIPT_LIMITS.timeoutMs,
      memoryLimitBytes: limits.memoryLimitBytes ?? DEFAULT_SCRIPT_LIMITS.memoryLimitBytes,
      maxStackSizeBytes: limits.maxStackSizeBytes ?? DEFAULT_SCRIPT_LIMITS.maxStackSizeBytes,
    };
    for (const [name, value] of Object.entries(checked)) {
      if (!Number.isInteger(value) || value <= 0) throw new CallwatchError('CW_ERR_CONFIG', `script sandbox ${name}: expected a positive integer, got ${value}`);
    }
    // 16 MiB to start, as the stock build; the 2 GiB maximum is the stock build's too.
    const memory = new WebAssembly.Memory({ initial: 256, maximum: 32_768 });
    const variant: QuickJSSyncVariant = {
      ...RELEASE_SYNC,
      importModuleLoader: async () => fromQuickJS('@jitl/quickjs-wasmfile-release-sync/emscripten-module') as ModuleLoader,
    };
    const module = await newQuickJSWASMModuleFromVariant(newVariant(variant, { wasmMemory: memory }));
    return new ScriptSandbox(module, memory, checked);
  }

  /** heapBytes is the size of the sandbox's WebAssembly memory, which never shrinks. */
  get heapBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * run calls a rule's script with `m` (passed as JSON), compiling it first if the rule is new or its text changed.
   * `nowMs` is the script's clock (`Date.now()`, `new Date()`): the event time of the snapshot it judges.
   */
  run(ruleId: string, script: string, m: object, nowMs: number): ScriptResult {
    const broken = this.broken.get(ruleId);
    if (broken?.script === script) return { value: null, error: broken.error };
    let entry = this.compiled.get(ruleId);
    if (entry?.script !== script) {
      this.forget(ruleId);
      const made = this.compile(ruleId, script);
      if ('error' in made) {
        // Only a script that cannot compile stays broken; a limit hit while compiling is tried again next time.
        if (made.lasting) this.broken.set(ruleId, { script, error: made.error });
        return { value: null, error: made.error };
      }
      entry = made;
      this.compiled.set(ruleId, entry);
    }
    const { context, run, describe } = entry;
    this.begin(this.limits.timeoutMs, this.neededBytes() + this.limits.memoryLimitBytes);
    try {
      const arg = context.newString(JSON.stringify(m));
      const now = context.newNumber(nowMs);
      const result = context.callFunction(run, context.undefined, arg, now);
      disposeAll(arg, now);
      if (!result.error) return result.value.consume((value) => readResult(ruleId, context, value));
      const error = this.thrown(ruleId, script, context, describe, result.error);
      result.error.dispose();
      if (error.code !== 'CW_ERR_SCRIPT_FAILED') this.forget(ruleId);
      return { value: null, error };
    } catch (cause) {
      // The host side failed (e.g. no memory left for the argument): the runtime cannot be trusted any more.
      this.forget(ruleId);
      const code = this.growthDenied ? 'CW_ERR_SCRIPT_MEMORY' : 'CW_ERR_SCRIPT_FAILED';
      return { value: null, error: scriptError(code, ruleId, `could not be run: ${(cause as Error).message}`, { cause }) };
    } finally {
      this.end();
    }
  }

  /**
   * check compiles a script as `run` would, without keeping it, and returns why it does not compile (a syntax
   * error, or one of strict mode), or null when it does: `callwatch rules validate` reports it before a rule is applied.
   */
  check(ruleId: string, script: string): ScriptError | null {
    const made = this.compile(ruleId, script);
    if ('error' in made) return made.error;
    disposeAll(made.run, made.describe, made.context, made.runtime);
    return null;
  }

  /** forget disposes a rule's compiled script, e.g. when the rule is deleted; its next run compiles it again. */
  forget(ruleId: string): void {
    this.broken.delete(ruleId);
    const entry = this.compiled.get(ruleId);
    if (!entry) return;
    this.compiled.delete(ruleId);
    disposeAll(entry.run, entry.describe, entry.context, entry.runtime);
  }

  /** dispose frees every compiled script; the sandbox must not be used afterwards. */
  dispose(): void {
    for (const ruleId of [...this.compiled.keys()]) this.forget(ruleId);
    this.broken.clear();
  }

  // `lasting` tells a script that cannot compile from a limit hit or a host failure while compiling it.
  private compile(ruleId: string, script: string): Compiled | { error: ScriptError; lasting: boolean } {
    const startBytes = this.memory.buffer.byteLength;
    const made: Array<{ alive: boolean; dispose(): void }> = [];
    this.begin(COMPILE_TIMEOUT_MS, Infinity);
    try {
      const runtime = this.module.newRuntime();
      made.unshift(runtime);
      runtime.setMemoryLimit(this.limits.memoryLimitBytes);
      runtime.setMaxStackSize(this.limits.maxStackSizeBytes);
      runtime.setInterruptHandler(this.interrupt);
      const context = runtime.newContext();
      made.unshift(context);
      const tools = context.unwrapResult(context.evalCode(PRELUDE, 'prelude.js'));
      const describe = context.getProp(tools, 0);
      made.unshift(describe);
      const compile = context.getProp(tools, 1);
      const body = context.newString(script);
      const result = context.callFunction(compile, context.undefined, body);
      disposeAll(body, compile, tools);
      if (!result.error) return { script, runtime, context, run: result.value, describe };
      const error = this.thrown(ruleId, script, context, describe, result.error);
      disposeAll(result.error, ...made);
      return { error, lasting: error.code === 'CW_ERR_SCRIPT_FAILED' };
    } catch (cause) {
      disposeAll(...made);
      return { error: scriptError('CW_ERR_SCRIPT_FAILED', ruleId, `could not be compiled: ${(cause as Error).message}`, { cause }), lasting: false };
    } finally {
      this.end();
      this.compileGrowthBytes += this.memory.buffer.byteLength - startBytes;
    }
  }

  // What the compiled rules need. Memory a call grew into does not count: it is free again once the call is over.
  private neededBytes(): number {
    return this.initialBytes + Math.max(this.compileGrowthBytes, this.compiled.size * COMPILED_RULE_BYTES);
  }

  private begin(timeoutMs: number, ceilingBytes: number): void {
    this.deadline = performance.now() + timeoutMs;
    this.interrupted = false;
    this.ceilingBytes = ceilingBytes;
    this.growthDenied = false;
  }

  private end(): void {
    this.deadline = Infinity;
    this.ceilingBytes = Infinity;
  }

  // What a script threw, as a typed error. Reading it may run the script's getters: they get a deadline of their own.
  private thrown(ruleId: string, script: string, context: QuickJSContext, describe: QuickJSHandle, thrown: QuickJSHandle): ScriptError {
    const timedOut = this.interrupted;
    const denied = this.growthDenied;
    this.deadline = performance.now() + this.limits.timeoutMs;
    const { name, message, line } = describeThrown(context, describe, thrown, script);
    const where = line === null ? '' : ` (line ${line})`;
    const details = { name, message, line };
    if (timedOut) return scriptError('CW_ERR_SCRIPT_TIMEOUT', ruleId, `ran longer than ${this.limits.timeoutMs} ms${where}`, { details });
    // QuickJS reports its own limits only as an InternalError with these messages; user code cannot throw one
    // that matters, since at worst it mislabels its own failure.
    if (denied || (name === 'InternalError' && (message === 'out of memory' || message === 'stack overflow'))) {
      return scriptError('CW_ERR_SCRIPT_MEMORY', ruleId, `went over its memory or stack limit: ${message}${where}`, { details });
    }
    return scriptError('CW_ERR_SCRIPT_FAILED', ruleId, `${name ? `${name}: ` : ''}${message}${where}`, { details });
  }
}

function readResult(ruleId: string, context: QuickJSContext, handle: QuickJSHandle): ScriptResult {
  const type = context.typeof(handle);
  let got: string;
  if (type === 'boolean') return { value: context.dump(handle) === true ? 1 : 0, error: null };
  if (type === 'number') {
    const value = context.getNumber(handle);
    if (Number.isFinite(value)) return { value, error: null };
    got = String(value);
  } else if (type === 'object' && context.sameValue(handle, context.null)) {
    // null is how a script says it has no data (e.g. too few answered calls): no value, and not an error.
    return { value: null, error: null };
  } else if (type === 'string') {
    got = `a string ${JSON.stringify(clip(context.getString(handle)))}`;
  } else if (type === 'undefined') {
    got = 'undefined (does the script return a value?)';
  } else {
    got = `${type === 'object' ? 'an' : 'a'} ${type}`;
  }
  return { value: null, error: scriptError('CW_ERR_SCRIPT_FAILED', ruleId, `expected a number or a boolean, got ${got}`) };
}

// The name and message of what was thrown (an Error, or any value), and the line of the script it came from.
function describeThrown(context: QuickJSContext, describe: QuickJSHandle, thrown: QuickJSHandle, script: string): { name: string; message: string; line: number | null } {
  const result = context.callFunction(describe, context.undefined, thrown);
  if (result.error) {
    result.error.dispose();
    return { name: '', message: 'threw a value that could not be read', line: null };
  }
  const [name, message, stack] = result.value.consume((h) => context.dump(h) as [string, string, string]);
  const at = /<input>:(\d+)/.exec(stack);
  // An error at the end of the script (an unclosed bracket) is on its last line of code, not on a blank line after it.
  const line = at ? Math.min(Number(at[1]) - BODY_FIRST_LINE + 1, script.trimEnd().split('\n').length) : null;
  return { name: clip(name), message: clip(message) || 'threw an object', line: line !== null && line >= 1 ? line : null };
}

function scriptError(code: ScriptErrorCode, ruleId: string, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}): ScriptError {
  return new CallwatchError(code, `script rule ${ruleId}: ${message}`, { cause: options.cause, details: { ruleId, ...options.details } }) as ScriptError;
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

// Handles first, then their context, then its runtime; QuickJS aborts when a runtime is freed with live objects.
function disposeAll(...items: Array<{ alive: boolean; dispose(): void }>): void {
  for (const item of items) {
    try {
      if (item.alive) item.dispose();
    } catch {
      // A runtime that cannot be freed is dropped: it only costs memory in a module that keeps working.
    }
  }
}
