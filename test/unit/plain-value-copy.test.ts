// The judge's copy of a create body (src/inspect/plain-value.ts): deep, with every own key kept as a key,
// `__proto__` included (a label may be called that), and nothing shared with the body it was given.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readJudgedBody } from '../../src/inspect/inspect-body.js';
import { copyPlainValue } from '../../src/inspect/plain-value.js';

describe('a judged body is copied deeply, every key kept as a key', () => {
  test('nested objects and arrays are equal but not shared', () => {
    const body = { Image: 'busybox', Cmd: ['sh', '-c', 'true'], HostConfig: { Binds: ['vol:/data'], Memory: 0, Privileged: false, LogConfig: { Type: '', Config: {} } } };
    const copy = copyPlainValue(body);
    assert.deepEqual(copy, body);
    assert.notEqual(copy.HostConfig, body.HostConfig);
    assert.notEqual(copy.Cmd, body.Cmd);
    copy.HostConfig.Binds.push('/:/host');
    copy.HostConfig.LogConfig.Config = { changed: 'yes' };
    assert.deepEqual(body.HostConfig.Binds, ['vol:/data']);
    assert.deepEqual(body.HostConfig.LogConfig.Config, {});
  });

  test('a __proto__ label read from JSON stays an own key of the copy, and the prototype stays Object.prototype', () => {
    const { value } = readJudgedBody('container.create', Buffer.from('{"Image":"busybox","Labels":{"__proto__":"x","a":"b"}}'), 'application/json');
    const copy = copyPlainValue(value) as { Labels: Record<string, unknown> };
    assert.deepEqual(Object.keys(copy.Labels), ['__proto__', 'a']);
    assert.equal(Object.getOwnPropertyDescriptor(copy.Labels, '__proto__')?.value, 'x');
    assert.equal(Object.getPrototypeOf(copy.Labels), Object.prototype);
    assert.equal(JSON.stringify(copy), JSON.stringify(value));
  });
});
