import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHealthServer, type HealthServer } from '@callwatch/core';
import { QUERY_PATH, openHistory, recorderAnswers, recorderReader } from './reader';

const TOKEN = 'recorder-token-0123456789';

// A real health server with the recorder's route path, standing in for the recorder: what matters here is what the
// CLI's client sends and how it reads a refusal.
describe('the CLI reading through the recorder', () => {
  let dir: string;
  const servers: HealthServer[] = [];
  const seen: unknown[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'callwatch-reader-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    seen.splice(0);
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  async function recorder(options: { token?: string | null; host?: string } = {}): Promise<string> {
    const server = await startHealthServer({ service: 'recorder', ...options });
    servers.push(server);
    server.addRoute(QUERY_PATH, async (body) => {
      seen.push(body);
      return { status: 200, json: { rows: [{ ok: 1 }] } };
    });
    return `http://127.0.0.1:${server.port}`;
  }

  const history = (url: string, settings: { API_TOKEN?: string; API_TOKEN_FILE?: string }) =>
    openHistory({ CLICKHOUSE_URL: '', CLICKHOUSE_USER: 'default', CLICKHOUSE_PASSWORD: '', CLICKHOUSE_DATABASE: 'default', CLICKHOUSE_PATH: join(dir, 'none'), RECORDER_URL: url, API_TOKEN: '', API_TOKEN_FILE: '', ...settings });

  it('sends the token the recorder wants, from API_TOKEN or API_TOKEN_FILE', async () => {
    const url = await recorder({ token: TOKEN });
    expect(await recorderReader(url, { token: TOKEN }).rows('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    const file = join(dir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    for (const settings of [{ API_TOKEN: TOKEN }, { API_TOKEN_FILE: file }]) {
      const reader = await history(url, settings);
      expect(reader.source).toBe(`the recorder at ${url}`);
      expect(await reader.rows('SELECT 2 AS ok', { x: 1 })).toEqual([{ ok: 1 }]);
    }
    expect(seen).toContainEqual({ query: 'SELECT 2 AS ok', params: { x: 1 } });
  });

  it('says which setting to fix when the recorder refuses it', async () => {
    const url = await recorder({ token: TOKEN });
    await expect(recorderReader(url).rows('SELECT 1')).rejects.toMatchObject({ code: 'CW_ERR_HISTORY', message: `the recorder at ${url} wants an API token: set API_TOKEN (or API_TOKEN_FILE) to the recorder's` });
    await expect(recorderReader(url, { token: 'another-token-0123456789' }).rows('SELECT 1')).rejects.toMatchObject({
      code: 'CW_ERR_HISTORY',
      message: `the recorder at ${url} refused the API token: API_TOKEN (or API_TOKEN_FILE) here is not the recorder's`,
    });
    expect(seen).toEqual([]);
  });

  it('takes a recorder that refuses it for an error, never for an absent one whose folder it could open', async () => {
    const url = await recorder({ token: TOKEN });
    await expect(recorderAnswers(url)).rejects.toMatchObject({ code: 'CW_ERR_HISTORY', message: expect.stringContaining('wants an API token') });
    await expect(history(url, {})).rejects.toMatchObject({ code: 'CW_ERR_HISTORY', message: expect.stringContaining('wants an API token') });
    const open = await recorder({ host: '0.0.0.0' });
    await expect(recorderAnswers(open, TOKEN)).rejects.toMatchObject({ code: 'CW_ERR_HISTORY', message: expect.stringMatching(/serves no queries: it listens beyond loopback and has no API token/) });
    expect(await recorderAnswers('http://127.0.0.1:9')).toBe(false);
  });
});
