#!/usr/bin/env node
// An example adapter between callwatch's action webhook and a softswitch, in one file with nothing but Node (20 or
// later): it receives the enforcer's signed `disable` and `enable` actions, keeps a routing-table file of the
// entities blocked now, and can call the switch's own HTTP API for each action. Copy it and change what your switch
// needs; docs/operations.md ("Penalties that reach the switch") says how it fits in.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const HELP = `Usage: node switch-adapter.mjs [--table <file>] [--secret-file <file>] [options]

Receives callwatch's action webhook (ACTION_WEBHOOK_URL of the enforcer) and keeps a routing-table file of the
customers and carriers blocked now: one entity a line, "<entity><TAB><until, UTC><TAB><reason>", rewritten
atomically (a temporary file, then a rename) after every action. Each request is checked before anything else:
its x-callwatch-signature must be an HMAC-SHA256 of "<t>.<body>" under the shared secret with a timestamp t within
the tolerance (else 401 and the reason); an Idempotency-Key already applied is answered 200 and changes nothing.
An answer other than 2xx makes the enforcer try the action again (5xx) or skip it (4xx).

Options:
  --table <file>          the routing-table file (read at start, so blocks survive a restart)   [blocked.tsv]
  --secret-file <file>    file holding the shared secret; else the ACTION_WEBHOOK_SECRET variable
  --host <address>        address to listen on                                                   [127.0.0.1]
  --port <port>           port to listen on (0: any free port, printed at start)                 [9580]
  --tolerance <seconds>   how far a signature's timestamp may be from this clock                  [300]
  --switch-url <template> also call the switch's HTTP API per action, at this URL; {type}, {entity}, {kind},
                          {id}, {until_ms}, {action_id} and {rule_id} are replaced (URL-encoded), e.g.
                          "http://sbc.internal/api/{kind}s/{id}/{type}"; the action JSON is the body.
                          A call that fails answers 502, so the enforcer tries the action again.
  --switch-method <verb>  HTTP method of the switch API call                                      [POST]
  --switch-header <h>     a header for the switch API call, "Name: value"; may be repeated
  --remember <n>          how many Idempotency-Keys to remember                                   [100000]
  --help                  this text
`;

const MAX_BODY_BYTES = 64 * 1024;
const ENTITY = /^(customer|carrier):[^\s]+$/;

function fail(message) {
  process.stderr.write(`switch-adapter: ${message}\n`);
  process.exit(2);
}

function readOptions(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        table: { type: 'string', default: 'blocked.tsv' },
        'secret-file': { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '9580' },
        tolerance: { type: 'string', default: '300' },
        'switch-url': { type: 'string' },
        'switch-method': { type: 'string', default: 'POST' },
        'switch-header': { type: 'string', multiple: true, default: [] },
        remember: { type: 'string', default: '100000' },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (err) {
    fail(`${err.message}\n\n${HELP}`);
  }
  if (parsed.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  let secret = process.env.ACTION_WEBHOOK_SECRET ?? '';
  if (parsed['secret-file']) {
    try {
      secret = readFileSync(parsed['secret-file'], 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      fail(`--secret-file: cannot read ${parsed['secret-file']}: ${err.message}`);
    }
  }
  if (secret === '') fail('no secret: pass --secret-file <file> or set ACTION_WEBHOOK_SECRET (the enforcer\'s ACTION_WEBHOOK_SECRET)');
  const number = (name, min) => {
    const value = Number(parsed[name]);
    if (!Number.isInteger(value) || value < min) fail(`--${name}: expected an integer of at least ${min}, got "${parsed[name]}"`);
    return value;
  };
  const headers = {};
  for (const header of parsed['switch-header']) {
    const at = header.indexOf(':');
    if (at <= 0) fail(`--switch-header: expected "Name: value", got "${header}"`);
    headers[header.slice(0, at).trim().toLowerCase()] = header.slice(at + 1).trim();
  }
  return {
    table: parsed.table,
    secret,
    host: parsed.host,
    port: number('port', 0),
    toleranceS: number('tolerance', 1),
    switchUrl: parsed['switch-url'],
    switchMethod: parsed['switch-method'].toUpperCase(),
    switchHeaders: headers,
    remember: number('remember', 1),
  };
}

/** signatureProblem says why a request's signature is not to be trusted, or returns undefined when it is. */
function signatureProblem(header, rawBody, secret, toleranceS, nowMs = Date.now()) {
  const fields = new Map(String(header ?? '').split(',').map((part) => {
    const at = part.indexOf('=');
    return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
  }));
  const t = fields.get('t') ?? '';
  const v1 = fields.get('v1') ?? '';
  if (!/^\d+$/.test(t) || !/^[0-9a-f]{64}$/.test(v1)) return 'missing or malformed x-callwatch-signature (expected t=<unix seconds>,v1=<64 hex digits>)';
  if (Math.abs(nowMs / 1000 - Number(t)) > toleranceS) return `signature timestamp ${t} is more than ${toleranceS} s from this clock (a replay, or a clock to fix)`;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  if (!timingSafeEqual(expected, Buffer.from(v1, 'hex'))) return 'signature does not match the body (another secret, or a changed body)';
  return undefined;
}

/** actionProblem checks a verified body's fields, as the action topic's schema has them. */
function actionProblem(action) {
  if (action === null || typeof action !== 'object') return 'the body is not a JSON object';
  if (action.type !== 'disable' && action.type !== 'enable') return `type: expected disable or enable, got ${JSON.stringify(action.type)}`;
  if (typeof action.entity !== 'string' || !ENTITY.test(action.entity)) return `entity: expected customer:<id> or carrier:<id>, got ${JSON.stringify(action.entity)}`;
  if (action.type === 'disable' && !Number.isFinite(action.until_ms)) return `until_ms: a disable needs the end of its penalty, got ${JSON.stringify(action.until_ms)}`;
  return undefined;
}

// The table's text fields may not break its lines or columns, whatever a rule's title holds.
const oneLine = (text) => String(text ?? '').replace(/[\t\r\n]+/g, ' ');

function readTable(file) {
  const blocked = new Map();
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return blocked;
    throw err;
  }
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [entity, until, reason = ''] = line.split('\t');
    blocked.set(entity, { untilMs: Date.parse(until), reason });
  }
  return blocked;
}

// A temporary file beside the table, then a rename: a switch that reads the table sees the old one or the new one,
// never half of one, and a crash mid-write leaves the old one.
function writeTable(file, blocked) {
  const lines = ['# entity\tblocked until (UTC)\treason; written by callwatch switch-adapter'];
  for (const [entity, { untilMs, reason }] of [...blocked].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`${entity}\t${new Date(untilMs).toISOString()}\t${reason}`);
  }
  const temporary = `${file}.tmp-${process.pid}`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, `${lines.join('\n')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
}

async function callSwitch(options, action) {
  const [kind, id] = [action.entity.slice(0, action.entity.indexOf(':')), action.entity.slice(action.entity.indexOf(':') + 1)];
  const values = { type: action.type, entity: action.entity, kind, id, until_ms: action.until_ms ?? '', action_id: action.action_id ?? '', rule_id: action.rule_id ?? '' };
  const url = options.switchUrl.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? encodeURIComponent(String(values[name])) : whole));
  const response = await fetch(url, {
    method: options.switchMethod,
    headers: { 'content-type': 'application/json', ...options.switchHeaders },
    body: options.switchMethod === 'GET' ? undefined : JSON.stringify(action),
    redirect: 'manual',
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`${options.switchMethod} ${new URL(url).origin}${new URL(url).pathname} answered ${response.status}`);
}

function log(line) {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

function main() {
  const options = readOptions(process.argv.slice(2));
  const blocked = readTable(options.table);
  // Written at once, so a switch that reads the table finds one (empty) before the first action comes.
  writeTable(options.table, blocked);
  // Keys already applied, oldest first (a Map keeps insertion order), so the oldest are forgotten first.
  const seen = new Map();
  // One action at a time: the table is rewritten whole, and the actions of one entity must apply in order.
  let queue = Promise.resolve();

  const apply = async (key, action) => {
    if (seen.has(key)) return { status: 200, text: 'duplicate: already applied' };
    if (action.type === 'disable') blocked.set(action.entity, { untilMs: action.until_ms, reason: oneLine(action.reason) });
    else blocked.delete(action.entity);
    writeTable(options.table, blocked);
    if (options.switchUrl) {
      try {
        await callSwitch(options, action);
      } catch (err) {
        log(`switch API call for ${action.type} ${action.entity} failed: ${err.message}`);
        return { status: 502, text: `the switch API call failed: ${err.message}` };
      }
    }
    seen.set(key, true);
    if (seen.size > options.remember) seen.delete(seen.keys().next().value);
    const until = action.type === 'disable' ? ` until ${new Date(action.until_ms).toISOString()}` : '';
    log(`${action.type} ${action.entity}${until} (${oneLine(action.reason)}) [${key}]`);
    return { status: 200, text: 'applied' };
  };

  const server = createServer((req, res) => {
    const answer = (status, text) => res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
    if (req.method !== 'POST') return answer(405, 'only POST');
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return answer(413, `the body is over ${MAX_BODY_BYTES} bytes`);
      const rawBody = Buffer.concat(chunks);
      // The signature is checked on the raw bytes, before the body is parsed or anything is believed.
      const problem = signatureProblem(req.headers['x-callwatch-signature'], rawBody, options.secret, options.toleranceS);
      if (problem) {
        log(`refused a request from ${req.socket.remoteAddress}: ${problem}`);
        return answer(401, problem);
      }
      const key = req.headers['idempotency-key'];
      if (typeof key !== 'string' || key === '') return answer(400, 'no Idempotency-Key header');
      let action;
      try {
        action = JSON.parse(rawBody.toString('utf8'));
      } catch (err) {
        return answer(400, `the body is not JSON: ${err.message}`);
      }
      const invalid = actionProblem(action);
      if (invalid) return answer(400, invalid);
      queue = queue.then(() => apply(key, action)).then(
        ({ status, text }) => answer(status, text),
        (err) => {
          log(`applying ${action.type} ${action.entity} failed: ${err.message}`);
          answer(500, `applying the action failed: ${err.message}`);
        },
      );
    });
  });
  server.listen(options.port, options.host, () => {
    const { address, port } = server.address();
    const host = address.includes(':') ? `[${address}]` : address;
    log(`switch adapter listening on http://${host}:${port}, table ${options.table} (${blocked.size} blocked)`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
