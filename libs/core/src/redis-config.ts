import { env, parsers } from './config';

/**
 * REDIS_ENV is where Redis is and how a client proves who it is to it: the URL (its scheme chooses TLS), and the
 * files a Kubernetes secret is mounted as. libs/redis checks that the settings fit together and reads the files.
 */
export const REDIS_ENV = {
  REDIS_URL: env(parsers.redisUrl, 'Redis: redis://host:port[/db] for a standalone Redis, redis-cluster://host:port,host:port for a Redis Cluster; rediss:// and rediss-cluster:// connect with TLS to every node. An ACL user and password go before the host (redis://user:password@host:port) or in REDIS_USERNAME and REDIS_PASSWORD_FILE; no log or error shows the password. See docs/security.md', 'redis://127.0.0.1:16379'),
  REDIS_USERNAME: env(parsers.string, 'Redis ACL user, when REDIS_URL names none (empty: the default user)', ''),
  REDIS_PASSWORD_FILE: env(parsers.string, 'file that holds the Redis password (a mounted Kubernetes secret), when REDIS_URL has none; read once at start, a trailing newline is not part of it', ''),
  REDIS_TLS_CA_FILE: env(parsers.string, 'PEM file of the CA certificates that signed the Redis nodes\' certificates, with rediss:// or rediss-cluster://; it replaces the system CAs (empty: the system CAs)', ''),
  REDIS_TLS_CERT_FILE: env(parsers.string, 'PEM client certificate for Redis nodes that require one (mutual TLS, tls-auth-clients yes); needs REDIS_TLS_KEY_FILE', ''),
  REDIS_TLS_KEY_FILE: env(parsers.string, 'PEM private key (not encrypted) of REDIS_TLS_CERT_FILE', ''),
};
