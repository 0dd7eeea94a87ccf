import { redactUrl } from './redact';

/** REDIS_URL_FORMS lists the REDIS_URL forms, for messages that say what was expected. */
export const REDIS_URL_FORMS = 'redis://[user:password@]host[:port][/db] or rediss://… (TLS) for a standalone Redis, redis-cluster://[user:password@]host:port[,host:port…] or rediss-cluster://… (TLS) for a Redis Cluster';

/** RedisNode is the address of one Redis server. */
export interface RedisNode {
  host: string;
  port: number;
}

/** RedisTarget is what a REDIS_URL names: a standalone Redis or a Cluster's nodes, over TLS or not, and as whom. */
export interface RedisTarget {
  cluster: boolean;
  tls: boolean;
  /** the standalone Redis; on a Cluster, the nodes to ask for the rest */
  nodes: RedisNode[];
  username: string | null;
  password: string | null;
  /** the database a standalone Redis selects; a Cluster has only 0 */
  db: number;
}

const SCHEMES: Record<string, { cluster: boolean; tls: boolean }> = {
  'redis:': { cluster: false, tls: false },
  'rediss:': { cluster: false, tls: true },
  'redis-cluster:': { cluster: true, tls: false },
  'rediss-cluster:': { cluster: true, tls: true },
};

// scheme://[user[:password]@]rest: the user info ends at the last `@`, as URL parsers have it.
const URL_PARTS = /^([a-z-]+:)\/\/(?:([^:@]*)(?::(.*))?@)?([^@]*)$/i;
const NODE = /^(\[[0-9a-f:.]+\]|[^:,/@[\]\s]+)(?::(\d{1,5}))?$/i;

/**
 * parseRedisUrl reads a REDIS_URL (see REDIS_URL_FORMS). The user and password may be percent-encoded; a standalone
 * Redis defaults to port 6379, Cluster nodes name their port. Throws an Error that says what was expected and shows
 * the URL with its password redacted.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const fail = (why: string): never => {
    throw new Error(`${why}: expected ${REDIS_URL_FORMS}, got "${redactUrl(url)}"`);
  };
  const parts = URL_PARTS.exec(url.trim());
  const scheme = parts && SCHEMES[(parts[1] as string).toLowerCase()];
  if (!parts || !scheme) return fail('not a Redis URL');
  const [, , user, password, rest] = parts as unknown as [string, string, string | undefined, string | undefined, string];
  const [list, db = '', ...more] = rest.split('/');
  if (/[?#]/.test(rest)) fail('query parameters and fragments are not read (credentials go before the host, TLS in the scheme)');
  if (more.length > 0 || (db !== '' && !/^\d+$/.test(db))) fail(`"/${[db, ...more].join('/')}" is not a database number`);
  if (scheme.cluster && db !== '' && db !== '0') fail('a Redis Cluster has only database 0');
  const nodes = (list as string).split(',').map((node) => {
    const match = NODE.exec(node.trim());
    const port = Number(match?.[2] ?? (scheme.cluster ? NaN : 6379));
    if (!match || !(port >= 1 && port <= 65535)) return fail(`"${node}" is not a host:port`);
    return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
  });
  if (!scheme.cluster && nodes.length !== 1) fail('a standalone Redis has one host (use redis-cluster:// for a Cluster)');
  return {
    cluster: scheme.cluster,
    tls: scheme.tls,
    nodes,
    username: user ? decode(user, fail) : null,
    password: password === undefined || password === '' ? null : decode(password, fail),
    db: db === '' ? 0 : Number(db),
  };
}

/**
 * redisClusterNodes reads the nodes of a `redis-cluster://` or `rediss-cluster://` URL (any of the Cluster's nodes: a
 * client finds the rest), or returns null for any other URL. A cluster URL without a valid node list throws.
 */
export function redisClusterNodes(url: string): RedisNode[] | null {
  return /^rediss?-cluster:\/\//i.test(url.trim()) ? parseRedisUrl(url).nodes : null;
}

function decode(text: string, fail: (why: string) => never): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail('the user info has a malformed %-escape');
  }
}
