import { redactUrl } from './redact';

describe('redactUrl', () => {
  it.each([
    ['rediss://callwatch:hunter2@redis:6380/1', 'rediss://callwatch:***@redis:6380/1'],
    ['redis://:hunter2@redis:6379', 'redis://:***@redis:6379'],
    ['rediss-cluster://cw:hunter2@a:7000,b:7001', 'rediss-cluster://cw:***@a:7000,b:7001'],
    ['https://registry-user:hunter2@registry/apis/ccompat/v7', 'https://registry-user:***@registry/apis/ccompat/v7'],
    ['https://h/x?access_token=hunter2&page=2', 'https://h/x?access_token=***&page=2'],
    ['http://h:8081/x?password=hunter2', 'http://h:8081/x?password=***'],
  ])('hides the secret of %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it.each([
    'redis://127.0.0.1:16379',
    'redis://callwatch@redis:6379',
    'redis-cluster://a:7000,b:7001',
    'http://h/apis?email=ops@acme.test',
    'not a url at all',
  ])('leaves %s as it is: it has no secret', (url) => {
    expect(redactUrl(url)).toBe(url);
  });

  it('hides the whole of a password that holds @, / or #, as a URL parser would not', () => {
    expect(redactUrl('redis://u:p@ss/w#rd@h:1')).toBe('redis://u:***@h:1');
    expect(redactUrl('rediss://u:p@ss@h:1/x')).toBe('rediss://u:***@h:1/x');
  });

  it('errs on the side of hiding too much when a URL with a port has an @ further on', () => {
    expect(redactUrl('http://h:8081/apis?email=ops@acme.test')).toBe('http://h:***@acme.test');
  });
});
