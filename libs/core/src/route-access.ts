import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { CallwatchError } from './errors';

/** ApiTokenSettings are the two ways to give the API token: in the variable itself, or in a file (a mounted secret). */
export interface ApiTokenSettings {
  API_TOKEN: string;
  API_TOKEN_FILE: string;
}

/** MIN_TOKEN_LENGTH keeps tokens out of guessing range: `openssl rand -hex 32` gives 64 characters. */
const MIN_TOKEN_LENGTH = 16;

/**
 * apiToken reads the bearer token that a service's POST routes require (null when none is set), once at start;
 * a bad setting throws CW_ERR_CONFIG naming the variable.
 */
export function apiToken({ API_TOKEN, API_TOKEN_FILE }: ApiTokenSettings): string | null {
  if (API_TOKEN && API_TOKEN_FILE) throw new CallwatchError('CW_ERR_CONFIG', 'API_TOKEN and API_TOKEN_FILE are both set: set one of them');
  if (API_TOKEN) return checkedToken('API_TOKEN', API_TOKEN);
  if (!API_TOKEN_FILE) return null;
  let text: string;
  try {
    text = readFileSync(API_TOKEN_FILE, 'utf8');
  } catch (err) {
    throw new CallwatchError('CW_ERR_CONFIG', `API_TOKEN_FILE: cannot read ${API_TOKEN_FILE}: ${(err as Error).message}`, { cause: err });
  }
  // `echo token > file` and most secret stores end the file with a newline that is no part of the token.
  return checkedToken(`API_TOKEN_FILE (${API_TOKEN_FILE})`, text.replace(/\r?\n$/, ''));
}

function checkedToken(where: string, token: string): string {
  // It travels in an HTTP header: printable ASCII without spaces, as RFC 6750 tokens are.
  if (!/^[\x21-\x7e]*$/.test(token)) throw new CallwatchError('CW_ERR_CONFIG', `${where}: expected printable ASCII without spaces or line breaks`);
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new CallwatchError('CW_ERR_CONFIG', `${where}: expected at least ${MIN_TOKEN_LENGTH} characters (for example from openssl rand -hex 32), got ${token.length}`);
  }
  return token;
}

/** isLoopback tells whether a listening address answers only this machine: 127.0.0.0/8, ::1 or localhost. */
export function isLoopback(address: string): boolean {
  const host = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host);
  return false;
}

/** RouteAccess is whether one request may reach a POST route, and if not the answer it gets. */
export type RouteAccess =
  | { allowed: true }
  | { allowed: false; status: 401 | 403; error: string; challenge?: string };

// Hashing first makes both sides 32 bytes, so the comparison takes the same time whatever the lengths.
const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * routeAccess decides who may call a POST route. With a token, only a request that carries it (`Authorization:
 * Bearer <token>`, compared in constant time); without one, anyone who can reach a loopback-bound server, and nobody
 * when the server listens beyond loopback. The answers say no more than what the caller must do.
 */
export function routeAccess(token: string | null, loopback: boolean, authorization: string | undefined): RouteAccess {
  if (token === null) {
    return loopback ? { allowed: true } : { allowed: false, status: 403, error: 'this endpoint is off: the server has no API token set (its log says more)' };
  }
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  if (!match) return { allowed: false, status: 401, error: 'this endpoint needs Authorization: Bearer <API token>', challenge: 'Bearer realm="callwatch"' };
  if (!timingSafeEqual(digest(match[1] as string), digest(token))) {
    return { allowed: false, status: 401, error: 'the bearer token is not valid', challenge: 'Bearer realm="callwatch", error="invalid_token"' };
  }
  return { allowed: true };
}
