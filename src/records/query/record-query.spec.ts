import { toObjectId, type ObjectId } from '../../common/database/object-id.js';
import { InvalidInputError } from '../../common/errors/domain.error.js';
import { compileRecordQuery, FILTER_MAX_BYTES, type CompiledRecordQuery, type RecordQueryInput } from './record-query.js';

const orgId = toObjectId('65f000000000000000000001');
const otherOrgId = toObjectId('65f000000000000000000002');
const ID_A = '65f0000000000000000000aa';

function compile(input: Partial<RecordQueryInput>): CompiledRecordQuery {
  return compileRecordQuery(orgId, { limit: 20, ...input });
}

/**
 * The compiled user part of a filter, without sort or cursor: `$and[0]` beside `org_id`, plus the
 * equalities hoisted beside `org_id` (read back as `{$eq}`; see hoisting below).
 */
function userPart(filter: string): unknown {
  const { org_id: scope, $and: and, ...hoisted } = compile({ filter }).filter;
  expect(scope).toBe(orgId);
  const rest = (and as Record<string, unknown>[] | undefined)?.[0] ?? {};
  const merged = { ...Object.fromEntries(Object.entries(hoisted).map(([key, value]) => [key, { $eq: value }])), ...rest };
  return Object.keys(merged).length > 0 ? merged : undefined;
}

function refusal(input: Partial<RecordQueryInput>): InvalidInputError {
  try {
    compile(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error(`accepted: ${JSON.stringify(input)}`);
}

const json = (value: unknown) => JSON.stringify(value);
/** `{c0: 0, c1: 1, ...}`: n conditions. */
const conditions = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, i]));
/** n levels of `$or` around `{a: 1}`. */
const nestedOr = (n: number): unknown => (n === 0 ? { a: 1 } : { $or: [nestedOr(n - 1)] });

describe('compileRecordQuery: filter', () => {
  it.each<[string, string, unknown]>([
    ['an implicit equality', '{"status":"open"}', { 'data.status': { $eq: 'open' } }],
    ['a nested path of 5 segments', '{"a.b.c.d.e":1}', { 'data.a.b.c.d.e': { $eq: 1 } }],
    ['equality to null', '{"n":null}', { 'data.n': { $eq: null } }],
    ['a range', '{"n":{"$gt":1,"$lte":5.5}}', { 'data.n': { $gt: 1, $lte: 5.5 } }],
    ['$eq and $ne null', '{"a":{"$eq":null},"b":{"$ne":null}}', { 'data.a': { $eq: null }, 'data.b': { $ne: null } }],
    [
      '$gte / $lt on strings and booleans',
      '{"s":{"$gte":"a","$lt":"b"},"f":{"$lt":true}}',
      { 'data.s': { $gte: 'a', $lt: 'b' }, 'data.f': { $lt: true } },
    ],
    ['$in with mixed scalars', '{"tags":{"$in":["a",1,true,null]}}', { 'data.tags': { $in: ['a', 1, true, null] } }],
    ['an empty $nin', '{"tags":{"$nin":[]}}', { 'data.tags': { $nin: [] } }],
    ['$exists', '{"a":{"$exists":false}}', { 'data.a': { $exists: false } }],
    [
      '$or beside a path',
      '{"$or":[{"a":1},{"b":{"$lt":"x"}}],"c":true}',
      { $or: [{ 'data.a': { $eq: 1 } }, { 'data.b': { $lt: 'x' } }], 'data.c': { $eq: true } },
    ],
    [
      '$and inside $or',
      '{"$or":[{"$and":[{"a":1},{"b":2}]},{"c":3}]}',
      { $or: [{ $and: [{ 'data.a': { $eq: 1 } }, { 'data.b': { $eq: 2 } }] }, { 'data.c': { $eq: 3 } }] },
    ],
    [
      'the paths _id and org_id, which are data fields',
      '{"_id":"x","org_id":"y"}',
      { 'data._id': { $eq: 'x' }, 'data.org_id': { $eq: 'y' } },
    ],
    [
      'prototype-ish names, as plain data fields',
      '{"__proto__":1,"constructor.prototype":2}',
      { 'data.__proto__': { $eq: 1 }, 'data.constructor.prototype': { $eq: 2 } },
    ],
    ['digits and underscores', '{"_a.0.B_9":"v"}', { 'data._a.0.B_9': { $eq: 'v' } }],
    ['an empty string and zero', '{"s":"","n":-0.5}', { 'data.s': { $eq: '' }, 'data.n': { $eq: -0.5 } }],
  ])('compiles %s', (_label, filter, expected) => {
    expect(userPart(filter)).toEqual(expected);
  });

  it('compiles {} and an absent filter to the scope alone', () => {
    expect(compile({ filter: '{}' }).filter).toEqual({ org_id: orgId });
    expect(compile({}).filter).toEqual({ org_id: orgId });
  });

  it('accepts each limit exactly and refuses one more', () => {
    expect(() => compile({ filter: json(conditions(20)) })).not.toThrow();
    expect(refusal({ filter: json(conditions(21)) }).message).toBe('filter: more than 20 conditions');
    // Operators count one each, wherever they are.
    expect(() => compile({ filter: json({ $or: [conditions(10), { n: { $gt: 1, $lt: 2 } }, conditions(8)] }) })).not.toThrow();
    expect(refusal({ filter: json({ $or: [conditions(10), { n: { $gt: 1, $lt: 2, $ne: 0 } }, conditions(8)] }) }).message).toBe(
      'filter: more than 20 conditions',
    );

    expect(userPart(json(nestedOr(3)))).toEqual({ $or: [{ $or: [{ $or: [{ 'data.a': { $eq: 1 } }] }] }] });
    expect(refusal({ filter: json(nestedOr(4)) }).message).toBe('filter: $or nested deeper than 3 levels');
    expect(refusal({ filter: json({ $and: [{ $or: [{ $and: [{ $and: [{ a: 1 }] }] }] }] }) }).message).toBe(
      'filter: $and nested deeper than 3 levels',
    );

    const values = (n: number) => Array.from({ length: n }, (_, i) => i);
    expect(userPart(json({ tags: { $in: values(100) } }))).toEqual({ 'data.tags': { $in: values(100) } });
    expect(refusal({ filter: json({ tags: { $in: values(101) } }) }).message).toBe('filter: $in at tags takes at most 100 values');
    expect(refusal({ filter: json({ tags: { $nin: values(101) } }) }).message).toBe('filter: $nin at tags takes at most 100 values');

    const sized = (bytes: number) => {
      const head = '{"s":"';
      const text = `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
      expect(Buffer.byteLength(text)).toBe(bytes);
      return text;
    };
    expect(() => compile({ filter: sized(FILTER_MAX_BYTES) })).not.toThrow();
    expect(refusal({ filter: sized(FILTER_MAX_BYTES + 1) }).message).toBe('filter is longer than 8192 bytes');
    // Bytes of UTF-8, not characters.
    expect(refusal({ filter: `{"s":"${'é'.repeat(4100)}"}` }).message).toBe('filter is longer than 8192 bytes');
  });

  const REFUSED_AT_PATH = [
    '$where',
    '$regex',
    '$options',
    '$expr',
    '$elemMatch',
    '$not',
    '$nor',
    '$size',
    '$type',
    '$mod',
    '$text',
    '$all',
    '$comment',
    '$jsonSchema',
    '$geoWithin',
    '$bitsAllSet',
    '$and',
    '$or',
    '$EQ',
    '$',
  ];
  it.each(REFUSED_AT_PATH)('refuses the operator %s at a path, naming it and the path', (operator) => {
    expect(refusal({ filter: json({ status: { [operator]: 'x' } }) }).message).toBe(
      `filter: operator ${operator} is not allowed (at status)`,
    );
  });

  it.each(['$where', '$expr', '$nor', '$text', '$comment', '$jsonSchema', '$not', '$regex', '$eq', '$in'])(
    'refuses the operator %s as a filter key, naming it',
    (operator) => {
      expect(refusal({ filter: json({ [operator]: 'x' }) }).message).toBe(`filter: operator ${operator} is not allowed (at top level)`);
    },
  );

  it.each<[string, unknown, string]>([
    // Paths.
    ['a $ path', { '$a.b': 1 }, 'filter: operator $a.b is not allowed (at top level)'],
    ['a $ segment', { 'a.$b': 1 }, 'filter: path "a.$b" is not a valid path: use 1 to 5 dot-separated segments of A-Z, a-z, 0-9 and _'],
    ['6 segments', { 'a.b.c.d.e.f': 1 }, 'filter: path "a.b.c.d.e.f" is not a valid path'],
    ['a dash', { 'a-b': 1 }, 'filter: path "a-b" is not a valid path'],
    ['an empty segment', { 'a..b': 1 }, 'filter: path "a..b" is not a valid path'],
    ['an empty path', { '': 1 }, 'filter: path "" is not a valid path'],
    ['a leading dot', { '.a': 1 }, 'filter: path ".a" is not a valid path'],
    ['a trailing dot', { 'a.': 1 }, 'filter: path "a." is not a valid path'],
    ['a space', { 'a b': 1 }, 'filter: path "a b" is not a valid path'],
    ['a non-ASCII letter', { é: 1 }, 'filter: path "é" is not a valid path'],
    ['a NUL', { 'a\u0000': 1 }, 'filter: path "a\\u0000" is not a valid path'],
    ['a bad path in $or', { $or: [{ a: 1 }, { 'a-b': 1 }] }, 'filter: path "a-b" is not a valid path (in $or[1])'],
    // Values.
    ['an object value', { status: { code: 1 } }, 'filter: status must be a scalar, not an object'],
    ['a nested object value', { 'status.code': { a: { b: 1 } } }, 'filter: status.code must be a scalar, not an object'],
    ['operators mixed with fields', { n: { $gt: 1, b: 2 } }, 'filter: n must be a scalar, not an object'],
    ['an empty object value', { n: {} }, 'filter: n must be a scalar or an object of operators, not an empty object'],
    ['an array value', { tags: ['a'] }, 'filter: tags must be a scalar, not an array (use $in)'],
    ['an object after $eq', { a: { $eq: { $gt: 1 } } }, 'filter: $eq at a takes a scalar, not an object'],
    ['an array after $ne', { a: { $ne: [1] } }, 'filter: $ne at a takes a scalar, not an array'],
    ['an object after $gt', { a: { $gt: { x: 1 } } }, 'filter: $gt at a takes a scalar, not an object'],
    ['null after $gt', { a: { $gt: null } }, 'filter: $gt at a takes a number, string or boolean, not null'],
    ['null after $lte', { a: { $lte: null } }, 'filter: $lte at a takes a number, string or boolean, not null'],
    ['a scalar after $in', { tags: { $in: 'a' } }, 'filter: $in at tags takes an array of scalars'],
    ['an object after $nin', { tags: { $nin: { a: 1 } } }, 'filter: $nin at tags takes an array of scalars'],
    ['an array inside $in', { tags: { $in: ['a', ['b']] } }, 'filter: $in at tags takes scalars, not an array'],
    ['an object inside $in', { tags: { $in: [{ $where: '1' }] } }, 'filter: $in at tags takes scalars, not an object'],
    ['a number after $exists', { a: { $exists: 1 } }, 'filter: $exists at a takes true or false'],
    ['an operator inside $or', { $or: [{ a: 1 }, { b: { $regex: 'x' } }] }, 'filter: operator $regex is not allowed (at b in $or[1])'],
    [
      'an object inside $and inside $or',
      { $or: [{ $and: [{ a: { b: 1 } }] }] },
      'filter: a in $or[0].$and[0] must be a scalar, not an object',
    ],
    [
      'an operator hidden under __proto__',
      { ['__proto__']: { $where: 'sleep(1)' } },
      'filter: operator $where is not allowed (at __proto__)',
    ],
    // $and / $or.
    ['an empty $and', { $and: [] }, 'filter: $and takes a non-empty array of filter objects (at top level)'],
    ['an object $or', { $or: { a: 1 } }, 'filter: $or takes a non-empty array of filter objects (at top level)'],
    ['an empty $or member', { $or: [{ a: 1 }, {}] }, 'filter: $or[1] must be a non-empty filter object'],
    ['a scalar $and member', { $and: [1] }, 'filter: $and[0] must be a non-empty filter object'],
    ['an array $or member', { $or: [[{ a: 1 }]] }, 'filter: $or[0] must be a non-empty filter object'],
    ['an empty nested $or', { $and: [{ $or: [] }] }, 'filter: $or takes a non-empty array of filter objects (at $and[0])'],
    ['4 levels of $or', nestedOr(4), 'filter: $or nested deeper than 3 levels'],
    ['21 conditions', conditions(21), 'filter: more than 20 conditions'],
  ])('refuses %s, naming it', (_label, filter, message) => {
    expect(refusal({ filter: json(filter) }).message).toContain(message);
  });

  it.each<[string, string, string]>([
    ['invalid JSON', '{a:1}', 'filter is not valid JSON'],
    ['truncated JSON', '{"a":1', 'filter is not valid JSON'],
    ['an empty string', '', 'filter is not valid JSON'],
    ['an array', '[{"a":1}]', 'filter must be a JSON object'],
    ['null', 'null', 'filter must be a JSON object'],
    ['a number', '1', 'filter must be a JSON object'],
    ['a string', '"a"', 'filter must be a JSON object'],
    ['a number JSON cannot hold', '{"n":1e999}', 'filter: n must be a scalar, not a number out of range'],
    ['an infinite operand', '{"n":{"$lt":-1e999}}', 'filter: $lt at n takes a scalar, not a number out of range'],
  ])('refuses %s', (_label, filter, message) => {
    expect(refusal({ filter }).message).toBe(message);
  });
});

describe('compileRecordQuery: scope', () => {
  const QUERIES: Partial<RecordQueryInput>[] = [
    {},
    { filter: '{"org_id":"65f000000000000000000002","_id":"65f0000000000000000000aa"}' },
    { filter: '{"$or":[{"org_id":{"$ne":null}},{"_id":{"$exists":true}}]}', sort: '-org_id' },
    { filter: '{"a":1}', sort: '_id', cursor: ID_A },
    { sort: '-_id' },
  ];

  it.each(QUERIES)('keeps org_id the top-level key equal to the organization: %j', (input) => {
    const { filter } = compile(input);
    expect(filter.org_id).toBe(orgId);
    // No other key at the top level but the engine's own _id range, $and and hoisted first-level equalities.
    expect(Object.keys(filter).every((key) => ['org_id', '_id', '$and'].includes(key) || /^data\.[A-Za-z0-9_]+$/.test(key))).toBe(true);
  });

  it('sends the paths org_id and _id to data, never to the record fields', () => {
    const { filter } = compile({ filter: json({ org_id: otherOrgId.toHexString(), _id: { $in: [ID_A] } }) });
    expect(filter).toEqual({
      org_id: orgId,
      'data.org_id': otherOrgId.toHexString(),
      $and: [{ 'data._id': { $in: [ID_A] } }],
    });
  });

  it('emits only data fields and allowed operators from a user filter', () => {
    const filter = json({
      $or: [{ a: 1, b: { $in: [1, 'x'] } }, { $and: [{ c: { $exists: true } }, { d: { $gte: 2, $ne: 3, $nin: [null] } }] }],
      e: { $lt: 'z', $eq: 'y', $gt: false },
    });
    const fields = new Set<string>();
    const operators = new Set<string>();
    const walk = (node: unknown) => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (typeof node !== 'object' || node === null) return;
      for (const [key, value] of Object.entries(node)) {
        (key.startsWith('$') ? operators : fields).add(key);
        walk(value);
      }
    };
    walk(userPart(filter));
    expect([...fields].every((field) => field.startsWith('data.'))).toBe(true);
    expect([...operators].sort()).toEqual(['$and', '$eq', '$exists', '$gt', '$gte', '$in', '$lt', '$ne', '$nin', '$or']);
  });
});

describe('compileRecordQuery: sort', () => {
  it.each<[string | undefined, Record<string, 1 | -1>, string | null]>([
    [undefined, { _id: 1 }, null],
    ['_id', { _id: 1 }, null],
    ['-_id', { _id: -1 }, null],
    ['status', { 'data.status': 1, _id: 1 }, 'data.status'],
    ['-n', { 'data.n': -1, _id: -1 }, 'data.n'],
    ['a.b.c.d.e', { 'data.a.b.c.d.e': 1, _id: 1 }, 'data.a.b.c.d.e'],
    ['x._id', { 'data.x._id': 1, _id: 1 }, 'data.x._id'],
  ])('sort %s', (sort, expected, sortPath) => {
    const query = compile({ sort });
    expect(query.sort).toEqual(expected);
    // The sorted path first, the tie-breaker second.
    expect(Object.keys(query.sort)).toEqual(Object.keys(expected));
    expect(query.sortPath).toBe(sortPath);
  });

  it.each(['', '-', '--a', '+a', 'a-b', 'a..b', 'a.b.c.d.e.f', '$natural', '-$a', 'a,b', ' a'])('refuses sort %j', (sort) => {
    expect(refusal({ sort }).message).toMatch(/^sort ".*" is not valid: use <path> or -<path>/);
  });

  it('keeps records holding an object or array at the sorted path, or an array on the way, out of the listing', () => {
    expect(compile({ sort: '-a.b.c', filter: '{"k":1}' }).filter).toEqual({
      org_id: orgId,
      'data.k': 1,
      $and: [
        {
          'data.a': { $not: { $type: 'array' } },
          'data.a.b': { $not: { $type: 'array' } },
          'data.a.b.c': { $not: { $type: ['object', 'array'] } },
        },
      ],
    });
    expect(compile({ sort: 'n' }).filter).toEqual({ org_id: orgId, $and: [{ 'data.n': { $not: { $type: ['object', 'array'] } } }] });
  });

  it('hoists first-level equalities to a string, number or boolean beside org_id, where FerretDB pushes them down', () => {
    expect(
      compile({ filter: '{"status":"open","n":2,"ok":true,"a.b":1,"z":null,"r":{"$gt":1},"e":{"$eq":"x","$ne":"y"}}' }).filter,
    ).toEqual({
      org_id: orgId,
      'data.status': 'open',
      'data.n': 2,
      'data.ok': true,
      $and: [{ 'data.a.b': { $eq: 1 }, 'data.z': { $eq: null }, 'data.r': { $gt: 1 }, 'data.e': { $eq: 'x', $ne: 'y' } }],
    });
    // Inside $or nothing moves: it is not a conjunction.
    expect(compile({ filter: '{"$or":[{"a":1},{"b":2}]}' }).filter).toEqual({
      org_id: orgId,
      $and: [{ $or: [{ 'data.a': { $eq: 1 } }, { 'data.b': { $eq: 2 } }] }],
    });
  });

  it('passes the limit through', () => {
    expect(compile({ limit: 7 }).limit).toBe(7);
  });
});

describe('compileRecordQuery: cursor', () => {
  const last = (data: Record<string, unknown>, id = ID_A) => ({ _id: toObjectId(id), data });
  const decode = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  const encode = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');

  it('stays the last id in _id order, and continues with _id > cursor as before', () => {
    for (const sort of [undefined, '_id']) {
      const query = compile({ sort, filter: '{"a":1}' });
      expect(query.cursorAfter(last({ a: 1 }))).toBe(ID_A);
    }
    expect(compile({ cursor: ID_A }).filter).toEqual({ org_id: orgId, _id: { $gt: toObjectId(ID_A) } });
    expect(compile({ cursor: ID_A, filter: '{"a":1}', sort: '_id' }).filter).toEqual({
      org_id: orgId,
      _id: { $gt: toObjectId(ID_A) },
      'data.a': 1,
    });
  });

  it('is opaque in -_id order and continues with _id < id', () => {
    const cursor = compile({ sort: '-_id' }).cursorAfter(last({}));
    expect(decode(cursor)).toEqual({ s: '-_id', h: expect.any(String), i: ID_A });
    expect(compile({ sort: '-_id', cursor }).filter).toEqual({ org_id: orgId, _id: { $lt: toObjectId(ID_A) } });
  });

  it('carries the sort, a hash of sort and filter, the last value and the last id', () => {
    const query = compile({ sort: '-status.code', filter: '{"a":1}' });
    const payload = decode(query.cursorAfter(last({ status: { code: 'x' } })));
    expect(payload).toEqual({ s: '-status.code', h: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/), v: 'x', i: ID_A });
    // Missing, or a path through a scalar, is null, as MongoDB sorts it.
    expect(decode(query.cursorAfter(last({}))).v).toBeNull();
    expect(decode(query.cursorAfter(last({ status: 5 }))).v).toBeNull();
    expect(decode(query.cursorAfter(last({ status: { code: null } }))).v).toBeNull();
    expect(decode(query.cursorAfter(last({ status: { code: 2.5 } }))).v).toBe(2.5);
  });

  it('refuses to make a cursor from a record the sorted query would not return', () => {
    const query = compile({ sort: 'a.b' });
    expect(() => query.cursorAfter(last({ a: { b: { c: 1 } } }))).toThrow(/no scalar at a\.b/);
    expect(() => query.cursorAfter(last({ a: { b: [1] } }))).toThrow(/no scalar at a\.b/);
    expect(() => query.cursorAfter(last({ a: [{ b: 1 }] }))).toThrow(/no scalar at a\.b/);
  });

  const field = 'data.n';
  const id = toObjectId(ID_A);
  it.each<[string, unknown, unknown[]]>([
    ['n', null, [{ [field]: { $eq: null }, _id: { $gt: id } }, { [field]: { $type: ['number', 'string', 'bool'] } }]],
    ['n', 3, [{ [field]: { $gt: 3 } }, { [field]: { $eq: 3 }, _id: { $gt: id } }, { [field]: { $type: ['string', 'bool'] } }]],
    ['n', 'b', [{ [field]: { $gt: 'b' } }, { [field]: { $eq: 'b' }, _id: { $gt: id } }, { [field]: { $type: ['bool'] } }]],
    ['n', false, [{ [field]: { $gt: false } }, { [field]: { $eq: false }, _id: { $gt: id } }]],
    ['-n', null, [{ [field]: { $eq: null }, _id: { $lt: id } }]],
    ['-n', 3, [{ [field]: { $lt: 3 } }, { [field]: { $eq: 3 }, _id: { $lt: id } }, { [field]: { $eq: null } }]],
    [
      '-n',
      'b',
      [
        { [field]: { $lt: 'b' } },
        { [field]: { $eq: 'b' }, _id: { $lt: id } },
        { [field]: { $type: ['number'] } },
        { [field]: { $eq: null } },
      ],
    ],
    [
      '-n',
      true,
      [
        { [field]: { $lt: true } },
        { [field]: { $eq: true }, _id: { $lt: id } },
        { [field]: { $type: ['number', 'string'] } },
        { [field]: { $eq: null } },
      ],
    ],
  ])('sort %s after %j continues with the later brackets', (sort, value, clauses) => {
    const cursor = compile({ sort }).cursorAfter(last(value === null ? {} : { n: value }));
    expect(compile({ sort, cursor }).filter).toEqual({
      org_id: orgId,
      $and: [{ [field]: { $not: { $type: ['object', 'array'] } } }, { $or: clauses }],
    });
  });

  it('accepts its cursor with the same filter spelled differently and another limit', () => {
    const cursor = compile({ sort: 'n', filter: '{"a":1,"b":{"$gt":2}}' }).cursorAfter(last({ n: 1 }));
    expect(() => compile({ sort: 'n', filter: '{ "a": 1, "b": { "$gt": 2 } }', cursor, limit: 100 })).not.toThrow();
  });

  it.each<[string, Partial<RecordQueryInput>]>([
    ['another direction', { sort: '-n', filter: '{"a":1}' }],
    ['another path', { sort: 'm', filter: '{"a":1}' }],
    ['another filter', { sort: 'n', filter: '{"a":2}' }],
    ['no filter', { sort: 'n' }],
    ['_id order', { filter: '{"a":1}' }],
    ['-_id order', { sort: '-_id', filter: '{"a":1}' }],
  ])('refuses a cursor with %s', (_label, input) => {
    const cursor = compile({ sort: 'n', filter: '{"a":1}' }).cursorAfter(last({ n: 1 }));
    expect(refusal({ ...input, cursor }).message).toBe('cursor was made for a different sort or filter');
  });

  it('refuses an id cursor with another sort', () => {
    expect(refusal({ sort: '-n', cursor: ID_A }).message).toBe('cursor was made for a different sort or filter');
    expect(refusal({ sort: '-_id', cursor: ID_A }).message).toBe('cursor was made for a different sort or filter');
  });

  /** A cursor of this query edited by a client. */
  const edited = (change: (payload: Record<string, unknown>) => unknown) => () => encode(change(valid()));
  it.each<[string, () => string]>([
    ['an empty cursor', () => ''],
    ['upper-case hex', () => ID_A.toUpperCase()],
    ['a short id', () => ID_A.slice(1)],
    ['not base64url', () => 'ab+/=='],
    ['base64url of no JSON', () => Buffer.from('nope').toString('base64url')],
    ['a JSON array', () => encode(['n', 'h', 1, ID_A])],
    ['an unknown key', edited((payload) => ({ ...payload, x: 1 }))],
    ['a bad id', edited((payload) => ({ ...payload, i: 'zz' }))],
    ['an object value', edited((payload) => ({ ...payload, v: { $gt: 1 } }))],
    ['an array value', edited((payload) => ({ ...payload, v: [1] }))],
    ['no value', edited(({ v: _v, ...payload }) => payload)],
    ['a number hash', edited((payload) => ({ ...payload, h: 1 }))],
    ['a huge cursor', () => 'e'.repeat(16 * 1024 + 1)],
  ])('refuses %s as not valid', (_label, make) => {
    expect(refusal({ sort: 'n', cursor: make() }).message).toBe('cursor is not valid');
  });

  it('refuses a malformed cursor in _id order', () => {
    expect(refusal({ cursor: 'xyz' }).message).toBe('cursor is not valid');
  });

  function valid(): Record<string, unknown> {
    return decode(compile({ sort: 'n' }).cursorAfter(last({ n: 1 })));
  }
});

// ---------------------------------------------------------------------------------------------
// Paging through an in-memory collection with the compiled filters: every kept record exactly once,
// in order, whatever the mix of types at the sorted path.

interface Doc {
  _id: ObjectId;
  org_id: ObjectId;
  data: Record<string, unknown>;
}

/** mulberry32: a small seeded PRNG, so that a failure can be replayed. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isObjectId = (value: unknown): value is ObjectId => typeof value === 'object' && value !== null && '_bsontype' in value;
const isDocument = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !isObjectId(value);

/** BSON's order of types: MinKey, null, numbers, strings, objects, arrays, binData, ObjectId, bool. */
function bracket(value: unknown): number {
  if (value === null || value === undefined) return 1;
  if (typeof value === 'number') return 2;
  if (typeof value === 'string') return 3;
  if (typeof value === 'boolean') return 8;
  if (isObjectId(value)) return 7;
  return Array.isArray(value) ? 5 : 4;
}

// The evaluator runs a few million comparisons: the encodings are computed once.
const utf8Cache = new Map<string, Buffer>();
const utf8 = (text: string) => utf8Cache.get(text) ?? utf8Cache.set(text, Buffer.from(text)).get(text)!;
const hexCache = new WeakMap<ObjectId, string>();
const hex = (id: ObjectId) => hexCache.get(id) ?? hexCache.set(id, id.toHexString()).get(id)!;
const segmentsCache = new Map<string, string[]>();
const segmentsOf = (path: string) => segmentsCache.get(path) ?? segmentsCache.set(path, path.split('.')).get(path)!;

/** MongoDB's comparison of two scalars or ids (strings by UTF-8 bytes, as its simple collation). */
function bsonCompare(a: unknown, b: unknown): number {
  const byType = bracket(a) - bracket(b);
  if (byType !== 0) return Math.sign(byType);
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(a - b);
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(utf8(a), utf8(b));
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  // Lower-case hex sorts as the id's bytes do.
  if (isObjectId(a) && isObjectId(b)) return hex(a) < hex(b) ? -1 : hex(a) > hex(b) ? 1 : 0;
  if (bracket(a) === 1) return 0;
  throw new Error(`bsonCompare: not simulated for ${JSON.stringify(a)}`);
}

/** A dotted path as MongoDB reads it: through an array, the values of its elements; missing is undefined. */
function read(doc: unknown, path: string): unknown {
  let current: unknown = doc;
  for (const segment of segmentsOf(path)) {
    if (Array.isArray(current)) current = current.filter(isDocument).map((element) => element[segment]);
    else if (isDocument(current)) current = Object.hasOwn(current, segment) ? current[segment] : undefined;
    else return undefined;
  }
  return current;
}

const resolved = new WeakMap<object, Map<string, unknown>>();
/** read, remembered: records never change, and each is read at the same few paths millions of times. */
function resolve(doc: object, path: string): unknown {
  const paths = resolved.get(doc) ?? resolved.set(doc, new Map()).get(doc)!;
  if (!paths.has(path)) paths.set(path, read(doc, path));
  return paths.get(path);
}

/** The values an operator looks at: the value itself, and the elements of an array. */
const candidates = (value: unknown): unknown[] => (Array.isArray(value) ? [value, ...value] : [value === undefined ? null : value]);

function equals(value: unknown, operand: unknown): boolean {
  return candidates(value).some((candidate) => bracket(candidate) === bracket(operand) && bsonCompare(candidate, operand) === 0);
}

const TYPE_ALIASES: Record<string, (value: unknown) => boolean> = {
  number: (value) => typeof value === 'number',
  string: (value) => typeof value === 'string',
  bool: (value) => typeof value === 'boolean',
  object: (value) => isDocument(value),
  null: (value) => value === null,
};

/** `$type`: an array matches `array`, and any other alias through its elements. */
function typeMatches(value: unknown, alias: string): boolean {
  if (value === undefined) return false;
  if (alias === 'array') return Array.isArray(value);
  return Array.isArray(value) ? value.some(TYPE_ALIASES[alias]) : TYPE_ALIASES[alias](value);
}

function operatorMatches(value: unknown, operator: string, operand: any): boolean {
  const ordered = (test: (order: number) => boolean) =>
    candidates(value).some((candidate) => bracket(candidate) === bracket(operand) && test(bsonCompare(candidate, operand)));
  switch (operator) {
    case '$eq':
      return equals(value, operand);
    case '$ne':
      return !equals(value, operand);
    case '$gt':
      return ordered((order) => order > 0);
    case '$gte':
      return ordered((order) => order >= 0);
    case '$lt':
      return ordered((order) => order < 0);
    case '$lte':
      return ordered((order) => order <= 0);
    case '$in':
      return operand.some((item: unknown) => equals(value, item));
    case '$nin':
      return !operand.some((item: unknown) => equals(value, item));
    case '$exists':
      return (value !== undefined) === operand;
    case '$type':
      return (Array.isArray(operand) ? operand : [operand]).some((alias: string) => typeMatches(value, alias));
    case '$not':
      return !fieldMatches(value, operand);
    default:
      throw new Error(`evaluator: ${operator} is not simulated`);
  }
}

const operatorObjects = new WeakMap<object, boolean>();
const isOperatorObject = (condition: unknown): condition is Record<string, unknown> => {
  if (!isDocument(condition)) return false;
  if (!operatorObjects.has(condition))
    operatorObjects.set(
      condition,
      Object.keys(condition).every((key) => key.startsWith('$')),
    );
  return operatorObjects.get(condition)!;
};

function fieldMatches(value: unknown, condition: unknown): boolean {
  if (isOperatorObject(condition)) {
    return Object.entries(condition).every(([operator, operand]) => operatorMatches(value, operator, operand));
  }
  return equals(value, condition);
}

function matches(doc: Doc, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$and') return (condition as Record<string, unknown>[]).every((part) => matches(doc, part));
    if (key === '$or') return (condition as Record<string, unknown>[]).some((part) => matches(doc, part));
    if (key.startsWith('$')) throw new Error(`evaluator: ${key} is not simulated`);
    return fieldMatches(resolve(doc, key), condition);
  });
}

/** MongoDB's sort, for scalar and missing values. */
function sortKeyCompare(a: Doc, b: Doc, sort: Record<string, 1 | -1>): number {
  for (const [path, direction] of Object.entries(sort)) {
    const order = bsonCompare(resolve(a, path) ?? null, resolve(b, path) ?? null) * direction;
    if (order !== 0) return order;
  }
  return 0;
}

const ranks = new WeakMap<Doc[], Map<string, Map<Doc, number>>>();

/**
 * Each record's place in MongoDB's order for `sort`, computed once per collection: records the
 * order cannot place (an object or array at a sorted path) have none.
 */
function rankOf(docs: Doc[], sort: Record<string, 1 | -1>): Map<Doc, number> {
  const bySort = ranks.get(docs) ?? ranks.set(docs, new Map()).get(docs)!;
  const key = JSON.stringify(sort);
  const cached = bySort.get(key);
  if (cached) return cached;
  const placeable = docs.filter((doc) => Object.keys(sort).every((path) => ![4, 5].includes(bracket(resolve(doc, path)))));
  const rank = new Map(placeable.sort((a, b) => sortKeyCompare(a, b, sort)).map((doc, index) => [doc, index]));
  bySort.set(key, rank);
  return rank;
}

/** find(filter).sort(sort).limit(limit + 1), as the repository would send it. */
function find(docs: Doc[], query: CompiledRecordQuery): Doc[] {
  const rank = rankOf(docs, query.sort);
  const found = docs.filter((doc) => matches(doc, query.filter));
  if (!found.every((doc) => rank.has(doc))) throw new Error('the filter let through a record the sort cannot place');
  return found.sort((a, b) => rank.get(a)! - rank.get(b)!).slice(0, query.limit + 1);
}

/** Pages to the end as the service does: a page of `limit`, the cursor after its last record if one more was found. */
function pageThrough(docs: Doc[], input: RecordQueryInput): Doc[] {
  const seen: Doc[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages <= docs.length + 1; pages += 1) {
    const query = compileRecordQuery(orgId, { ...input, cursor });
    const found = find(docs, query);
    const page = found.slice(0, input.limit);
    seen.push(...page);
    if (found.length <= input.limit) return seen;
    // As the service would send it over HTTP and get it back.
    cursor = decodeURIComponent(encodeURIComponent(query.cursorAfter(page[page.length - 1])));
  }
  throw new Error('paging never ended');
}

const MISSING = Symbol('missing');
const MISSINGS = [MISSING, MISSING, null, null];
const NUMBERS = [0, -0, 1, -1, 2.5, -7.25, 3, 10, 1e6, -1e-6, 2 ** 40];
// Upper case before lower, and UTF-8 byte order where UTF-16 would differ ('😀' after '\uffff').
const STRINGS = ['', 'a', 'b', 'B', 'ab', '10', '3', 'é', 'z', '😀', '\uffff', 'null', 'true'];
const BOOLEANS = [true, false, true, false];
const UNPAGEABLE = [{ x: 1 }, {}, [1, 'a'], ['b'], [], [null]];
const VALUES: unknown[] = [...MISSINGS, ...NUMBERS, ...STRINGS, ...BOOLEANS, ...UNPAGEABLE];

function generate(count: number, seed: number): Doc[] {
  const random = prng(seed);
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  const ids = new Set<string>();
  const docs: Doc[] = [];
  while (docs.length < count) {
    const hex = Array.from({ length: 24 }, () => Math.floor(random() * 16).toString(16)).join('');
    if (ids.has(hex)) continue;
    ids.add(hex);
    const data: Record<string, unknown> = { k: Math.floor(random() * 4) };
    const value = pick(VALUES);
    if (value !== MISSING) data.p = value;
    // a.b: missing, through a scalar, an object, or an array (left out of a.b-sorted listings).
    const shape = random();
    const inner = pick(VALUES);
    if (shape < 0.1) data.a = pick([5, 'x', null]);
    else if (shape < 0.15) data.a = [{ b: 1 }, { b: 'z' }];
    else if (shape < 0.9) data.a = inner === MISSING ? {} : { b: inner };
    docs.push({ _id: toObjectId(hex), org_id: random() < 0.05 ? otherOrgId : orgId, data });
  }
  return docs;
}

/** What a listing should return: this organization's records, kept and matched, in BSON order. */
function expected(docs: Doc[], sort: string | undefined, keep: (doc: Doc) => boolean): Doc[] {
  const direction = sort?.startsWith('-') ? -1 : 1;
  const path = sort?.replace(/^-/, '');
  const byPath = path && path !== '_id' ? `data.${path}` : null;
  const scalarAt = (doc: Doc) => {
    if (!byPath) return true;
    const prefixes = byPath.split('.');
    for (let n = 2; n < prefixes.length; n += 1) if (Array.isArray(resolve(doc, prefixes.slice(0, n).join('.')))) return false;
    const value = resolve(doc, byPath);
    return !isDocument(value) && !Array.isArray(value);
  };
  return docs
    .filter((doc) => doc.org_id.equals(orgId) && keep(doc) && scalarAt(doc))
    .sort((a, b) => {
      const order = byPath ? bsonCompare(resolve(a, byPath) ?? null, resolve(b, byPath) ?? null) : 0;
      return (order !== 0 ? order : bsonCompare(a._id, b._id)) * direction;
    });
}

describe('compileRecordQuery: paging an in-memory collection', () => {
  const docs = generate(3000, 20240617);
  // Each page scans the whole collection, so smaller limits page through a part of it.
  const collections: Record<number, Doc[]> = { 1: docs.slice(0, 300), 7: docs.slice(0, 900), 100: docs };

  it('has every bracket at both paths', () => {
    for (const path of ['data.p', 'data.a.b']) {
      const brackets = new Set(docs.map((doc) => bracket(resolve(doc, path))));
      expect([...brackets].sort()).toEqual([1, 2, 3, 4, 5, 8]);
    }
  });

  const FILTERS: [string, string | undefined, (doc: Doc) => boolean][] = [
    ['no filter', undefined, () => true],
    ['a filter', '{"k":{"$ne":2}}', (doc) => doc.data.k !== 2],
  ];
  const SORTS = [undefined, '_id', '-_id', 'p', '-p', 'a.b', '-a.b'];
  const CASES = FILTERS.flatMap(([label, filter, keep]) =>
    SORTS.flatMap((sort) =>
      [1, 7, 100].map((limit) => [`sort ${sort ?? '(none)'}, limit ${limit}, ${label}`, { filter, sort, limit }, keep] as const),
    ),
  );

  it.each(CASES)('%s: sees every kept record once, in order', (_label, input, keep) => {
    const collection = collections[input.limit];
    const want = expected(collection, input.sort, keep);
    const seen = pageThrough(collection, input);
    expect(seen.map((doc) => doc._id.toHexString())).toEqual(want.map((doc) => doc._id.toHexString()));
    // Ties and brackets are really crossed: many records share a sort value.
    expect(want.length).toBeGreaterThan(collection.length / 3);
  });
});
