import { editDistance } from '@callwatch/core';
import Handlebars from 'handlebars';
import { TEMPLATE_HELPERS, TEMPLATE_VARIABLES, isTemplateVariable } from './template-variables';

type AST = hbs.AST.Program;
type Node = hbs.AST.Node;
type Path = hbs.AST.PathExpression;
type Block = hbs.AST.BlockStatement;
type Mustache = hbs.AST.MustacheStatement;

/** PartProblem is one problem of a template part, at a 1-based line and column of the part's own text. */
export interface PartProblem {
  line: number;
  column: number;
  message: string;
}

// Inside {{#each}} and {{#with}} the context is something else, so names there are not checked.
const SCOPED_HELPERS = new Set(['each', 'with']);
const VARIABLE_NAMES = Object.keys(TEMPLATE_VARIABLES);
// entity and rule hold variables of their own: a block helper may take them whole ({{#with entity}}).
const GROUPS = new Set(VARIABLE_NAMES.filter((v) => v.includes('.')).map((v) => v.split('.')[0] as string));

/**
 * handlebarsProblems parses one template part and walks its syntax tree: a syntax error, a variable that is not a
 * template variable, a helper other than the built-in block helpers, a partial, and (with `html`) a triple-stash that
 * would leave a value unescaped in HTML or a variable at the start of a URL attribute are problems.
 */
export function handlebarsProblems(source: string, { html = false }: { html?: boolean } = {}): PartProblem[] {
  let ast: AST;
  try {
    ast = Handlebars.parse(source);
  } catch (err) {
    return [syntaxProblem(err)];
  }
  const problems: PartProblem[] = [];
  const report = (node: Node, message: string): void => {
    problems.push({ line: node.loc.start.line, column: node.loc.start.column + 1, message });
  };
  walk(ast, { report, html, scoped: false });
  return problems;
}

interface Walk {
  report: (node: Node, message: string) => void;
  html: boolean;
  /** true inside {{#each}} or {{#with}}, where the context is not the notification's */
  scoped: boolean;
}

// An attribute whose value is a URL, open and still empty: a value put there could be a whole `javascript:` URL,
// which HTML escaping leaves as it is.
const URL_ATTRIBUTE_START = /\b(href|src|action|formaction|background|poster|xlink:href)\s*=\s*["']?\s*$/i;

function walk(program: AST | undefined, w: Walk): void {
  let before = '';
  for (const node of program?.body ?? []) {
    if (w.html && node.type === 'MustacheStatement' && URL_ATTRIBUTE_START.test(before)) {
      w.report(node, `expected a URL attribute to start with its scheme and host (href="https://status.example.net/{{…}}"), got a variable at its start, where a value could make it a javascript: URL`);
    }
    before = node.type === 'ContentStatement' ? (node as hbs.AST.ContentStatement).value : '';
    switch (node.type) {
      case 'MustacheStatement':
        mustache(node as Mustache, w);
        break;
      case 'BlockStatement':
        block(node as Block, w);
        break;
      case 'PartialStatement':
      case 'PartialBlockStatement':
      case 'DecoratorBlock':
      case 'Decorator':
        w.report(node, 'expected variables and the block helpers if, unless, each and with, got a partial or decorator (templates have none)');
        break;
      default:
        break; // content and comments
    }
  }
}

function mustache(node: Mustache, w: Walk): void {
  if (w.html && !node.escaped) {
    w.report(node, 'expected {{name}}, which escapes the value in HTML, got a triple-stash {{{…}}} or {{& …}} that would not');
  }
  if (node.path.type !== 'PathExpression') return; // a literal such as {{"text"}}
  const path = node.path as Path;
  if (node.params.length > 0 || node.hash?.pairs.length) {
    w.report(node, `expected a variable (templates have no helpers but the block helpers ${TEMPLATE_HELPERS.join(', ')}), got helper call ${path.original}`);
    return;
  }
  variable(path, node, w);
}

function block(node: Block, w: Walk): void {
  const name = node.path.original;
  if (!TEMPLATE_HELPERS.includes(name)) {
    w.report(node, `expected one of the block helpers ${TEMPLATE_HELPERS.join(', ')}, got {{#${name}}}`);
    return;
  }
  if (node.params.length !== 1 || node.hash?.pairs.length) {
    w.report(node, `expected {{#${name}}} with exactly one variable, got ${node.params.length} argument(s)`);
  }
  for (const param of node.params) {
    if (param.type === 'PathExpression') variable(param as Path, param, w, true);
    else if (param.type === 'SubExpression') w.report(param, `expected a variable, got a helper call in {{#${name}}}`);
  }
  walk(node.program, { ...w, scoped: w.scoped || SCOPED_HELPERS.has(name) });
  // {{else}} of {{#each}} and {{#with}} runs in the outer context.
  walk(node.inverse, w);
}

// Names that lead from a value to its prototype or constructor: Handlebars denies them when rendering; a template that
// names one is refused before that, inside {{#each}} and {{#with}} too.
const PROTOTYPE_NAMES = new Set(['prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

// Reported at `at`: the whole {{…}} of a mustache, the argument of a block helper.
function variable(path: Path, at: Node, w: Walk, blockParam = false): void {
  if (path.parts.some((part) => PROTOTYPE_NAMES.has(part))) {
    w.report(at, `expected a template variable (see docs/templates.md), got ${path.original}, which reaches a prototype`);
    return;
  }
  if (w.scoped) return;
  const name = path.parts.join('.');
  if (!path.data && path.depth === 0 && (isTemplateVariable(name) || (blockParam && GROUPS.has(name)))) return;
  const near = VARIABLE_NAMES.find((v) => editDistance(v, name) <= 2) ?? VARIABLE_NAMES.find((v) => v.startsWith(`${name}.`));
  const hint = near ? ` (did you mean ${near}?)` : '';
  w.report(at, `expected a template variable (see docs/templates.md), got unknown variable ${path.original}${hint}`);
}

// Handlebars' parser says where only in its message ("Parse error on line 2: …"); its last line says what it expected.
function syntaxProblem(err: unknown): PartProblem {
  const e = err as { message?: string; lineNumber?: number; column?: number };
  const message = String(e.message ?? err);
  const line = e.lineNumber ?? Number(/on line (\d+)/.exec(message)?.[1] ?? 1);
  const column = e.column === undefined ? 1 : e.column + 1;
  const last = message.trim().split('\n').pop() ?? message;
  return { line, column, message: `expected valid Handlebars, got ${last.replace(/^Parse error on line \d+:\s*/, '')}` };
}
