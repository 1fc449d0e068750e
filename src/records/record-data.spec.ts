import { assertValidRecordData } from './record-data.js';
import { RECORD_MAX_BYTES } from './record-limits.js';
import { InvalidRecordError, RecordTooLargeError } from './records.errors.js';

describe('assertValidRecordData', () => {
  it('accepts nested JSON objects', () => {
    expect(() => assertValidRecordData({ a: 1, b: { c: [1, { d: 'x' }] }, e: null })).not.toThrow();
  });

  it.each([
    ['an array', [1, 2]],
    ['null', null],
    ['a string', 'text'],
    ['a top-level operator key', { $set: { a: 1 } }],
    ['a nested operator key', { a: { b: { $ne: null } } }],
    ['an operator key inside an array', { a: [{ $where: 'sleep(1)' }] }],
    ['a dotted key', { 'a.b': 1 }],
    ['an array inside an array', { a: [1, [2]] }],
    ['an array inside an array inside an object in an array', { a: [{ b: [[]] }] }],
  ])('refuses %s', (_label, data) => {
    expect(() => assertValidRecordData(data)).toThrow(InvalidRecordError);
  });

  it('refuses more than 64 KiB', () => {
    expect(() => assertValidRecordData({ blob: 'x'.repeat(RECORD_MAX_BYTES) })).toThrow(RecordTooLargeError);
  });

  it('refuses pathological nesting', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 100; i += 1) deep = { n: deep };
    expect(() => assertValidRecordData(deep)).toThrow(InvalidRecordError);
  });
});
