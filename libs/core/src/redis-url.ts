/** REDIS_CLUSTER_SCHEME starts a REDIS_URL that names Redis Cluster nodes: `redis-cluster://host:port,host:port`. */
export const REDIS_CLUSTER_SCHEME = 'redis-cluster://';

/**
 * redisClusterNodes reads the nodes of a `redis-cluster://host:port[,host:port…]` URL (any of the Cluster's nodes: a
 * client finds the rest), or returns null for any other URL. A cluster URL without a valid node list throws.
 */
export function redisClusterNodes(url: string): Array<{ host: string; port: number }> | null {
  if (!url.startsWith(REDIS_CLUSTER_SCHEME)) return null;
  const list = url.slice(REDIS_CLUSTER_SCHEME.length).replace(/\/$/, '');
  const nodes = list.split(',').map((node) => /^([^:,/@\s]+):(\d{1,5})$/.exec(node.trim()));
  if (list === '' || nodes.some((m) => m === null || Number(m[2]) > 65535)) {
    throw new Error(`expected ${REDIS_CLUSTER_SCHEME}host:port[,host:port…], got "${url}"`);
  }
  return nodes.map((m) => ({ host: (m as RegExpExecArray)[1] as string, port: Number((m as RegExpExecArray)[2]) }));
}
