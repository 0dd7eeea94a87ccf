import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRuleFiles } from './rule-load';

describe('loadRuleFiles', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'callwatch-rules-'));
    await mkdir(join(dir, 'team'));
    await Promise.all([
      writeFile(join(dir, 'b.yaml'), 'b'),
      writeFile(join(dir, 'a.json'), 'a'),
      writeFile(join(dir, 'team', 'c.yml'), 'c'),
      writeFile(join(dir, 'README.md'), 'not a rule'),
      writeFile(join(dir, 'single.txt'), 'named explicitly'),
    ]);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('expands directories to their rule files in name order, and reads named files as they are', async () => {
    const files = await loadRuleFiles([dir, join(dir, 'single.txt')]);
    expect(files.map((f) => [f.path.slice(dir.length + 1), f.text])).toEqual([
      ['a.json', 'a'], ['b.yaml', 'b'], [join('team', 'c.yml'), 'c'], ['single.txt', 'named explicitly'],
    ]);
  });

  it('throws a rule error naming a missing path', async () => {
    await expect(loadRuleFiles([join(dir, 'missing.yaml')])).rejects.toMatchObject({ code: 'CW_ERR_RULE_INVALID', details: { path: join(dir, 'missing.yaml') } });
  });
});
