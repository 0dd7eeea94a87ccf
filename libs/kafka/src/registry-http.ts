import { request as httpRequest, type Agent } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** RegistryAccess is how to reach the schema registry: its URL (never with credentials in it), basic auth, and the agent that trusts an https registry's CA. */
export interface RegistryAccess {
  url: string;
  auth?: { username: string; password: string };
  agent?: Agent;
}

/** RegistryResponse is the status and body of one answer of the registry. */
export interface RegistryResponse {
  status: number;
  body: string;
}

const TIMEOUT_MS = 10_000;

/**
 * registryRequest sends one request to the registry with its credentials and CA (Node's fetch cannot take a CA), and
 * reads the whole answer; it rejects only when the registry does not answer.
 */
export function registryRequest(access: RegistryAccess, method: 'GET' | 'PUT', path: string, body?: string): Promise<RegistryResponse> {
  const url = new URL(`${access.url}${path}`);
  const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
  if (body !== undefined) headers['content-type'] = 'application/vnd.schemaregistry.v1+json';
  if (access.auth) headers.authorization = `Basic ${Buffer.from(`${access.auth.username}:${access.auth.password}`).toString('base64')}`;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method, headers, agent: access.agent, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
