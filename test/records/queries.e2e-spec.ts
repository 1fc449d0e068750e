import { Types } from 'mongoose';
import { compileRecordQuery } from '../../src/records/query/record-query.js';
import { expectError } from '../support/expect-error.js';
import { type PlacementView, storedAt } from '../support/placement.js';
import { createOrgWithToken, type OrgWithToken, useTestApp } from '../support/session.js';
import { INDEX_STEP, onPostgres, planSteps, SCAN_STEP } from '../support/query-plans.js';

/**
 * GET /org/records?filter=&sort=&limit=&cursor= end to end, in every placement mode: a table of
 * accepted filters with hand-written answers, a table of refusals, a property test against an
 * in-memory evaluator of MongoDB's semantics, and (collection mode on FerretDB's PostgreSQL
 * backend) the plan of an indexed query.
 */

type Session = ReturnType<typeof useTestApp>;
type Scalar = string | number | boolean | null;
type Json = Scalar | Json[] | { [key: string]: Json };
type Data = Record<string, Json>;
type Params = Record<string, string>;

/** Every page of a listing, following next_cursor to the end, checking each page's shape on the way. */
async function listAll(t: Session, token: string, params: Params, limit: number): Promise<{ id: string; data: Data }[]> {
  const items: { id: string; data: Data }[] = [];
  let cursor: string | undefined;
  for (let page = 0; ; page += 1) {
    if (page > 500) throw new Error(`more than 500 pages for ${JSON.stringify(params)}: the cursor does not advance`);
    const query = new URLSearchParams({ ...params, limit: String(limit), ...(cursor === undefined ? {} : { cursor }) });
    const res = await t.withToken(token).get(`/org/records?${query.toString()}`);
    if (res.status !== 200) throw new Error(`${res.status} for ${query.toString()}: ${JSON.stringify(res.body)}`);
    const body = res.body as { items: { id: string; data: Data }[]; next_cursor: string | null };
    if (body.items.length > limit) throw new Error(`a page of ${body.items.length} items for limit ${limit}`);
    // A page that announces another one is full.
    if (body.next_cursor !== null && body.items.length !== limit) throw new Error(`a short page (${body.items.length}) with a cursor`);
    items.push(...body.items);
    if (body.next_cursor === null) return items;
    cursor = body.next_cursor;
  }
}

/** Creates the records through the API, in order; returns their ids in the same order. */
async function createBatch(t: Session, owner: OrgWithToken, records: Data[]): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < records.length; start += 1000) {
    const res = await t
      .withToken(owner.token)
      .post('/org/records/batch')
      .send({ records: records.slice(start, start + 1000) })
      .expect(201);
    for (const item of res.body.items as { id?: string }[]) {
      if (item.id === undefined) throw new Error(`a record was refused: ${JSON.stringify(item)}`);
      ids.push(item.id);
    }
  }
  return ids;
}

async function storedData(t: Session, owner: OrgWithToken): Promise<unknown[]> {
  const stored = await storedAt(t.db, owner.org.placement as PlacementView, owner.org.id);
  return stored.map(({ _id, data }) => [_id.toHexString(), data]);
}

// ---------------------------------------------------------------------------------------------
// Accepted filters: 12 records per organization, answers written by hand.

/**
 * The records of organization A, label `aNN`; B gets the same shapes labelled `bNN`. Created one
 * by one, alternating A and B, so the two organizations' ids interleave and `_id` order is label
 * order. Shapes: status (strings of two cases, null, missing, a boolean), priority (1 vs 1.5,
 * 0, negative, a numeric string, null, a boolean), tags (arrays incl. empty and one holding null,
 * a scalar), owner (object, empty object, scalar, null), owner.name (nested, null, missing).
 */
const SHAPES: Data[] = [
  { status: 'open', priority: 1, tags: ['red', 'blue'], owner: { name: 'ann', team: 'core' }, done: false, score: 10 },
  { status: 'open', priority: 1.5, tags: ['blue'], owner: { name: 'bob' }, done: true },
  { status: 'closed', priority: 2, tags: [], owner: { name: 'ann' }, done: true, score: null },
  { status: 'closed', priority: 3, tags: ['green'], owner: { name: null }, done: false },
  { status: 'draft', priority: '2', owner: {}, done: null },
  { status: null, priority: 0, tags: ['red'], owner: 'ann' },
  { priority: -1, tags: 'red', done: false },
  { status: 'open', priority: null, tags: ['red', 'green'], owner: { name: 'cy' }, done: true },
  { status: 'Open', priority: 10, owner: { name: 'Ann' } },
  { status: 'open', priority: 2, tags: ['x', null], owner: { name: 'ann', team: null }, done: false },
  { status: true, priority: true, owner: null },
  {},
];

const label = (side: 'a' | 'b', index: number) => `${side}${String(index + 1).padStart(2, '0')}`;

/**
 * [what it shows, filter (JSON) or undefined, sort or undefined, A's labels in the expected order
 * (MongoDB's answer), and where FerretDB answers otherwise, its answer: a deviation pinned, so
 * that it shows if it changes, never taken for MongoDB's].
 */
type AcceptedRow = [string, unknown, string | undefined, string, FerretDbDeviation?];

interface FerretDbDeviation {
  ferretDb: string;
}

/**
 * FerretDB 1.24 evaluates `$ne`, `$nin` and equality to null on a path that runs through an array
 * of documents element by element: `$ne`/`$nin` match if SOME element differs (MongoDB: if NO
 * element is equal), and `{"a.b": null}` ignores elements that lack `b` (MongoDB: one such element
 * matches). Paths to arrays of scalars (`tags`) are not affected.
 */
const THROUGH_ARRAYS = (ferretDb: string): FerretDbDeviation => ({ ferretDb });

const ALL = 'a01 a02 a03 a04 a05 a06 a07 a08 a09 a10 a11 a12';

const ACCEPTED: AcceptedRow[] = [
  ['no filter: every record, in _id order', undefined, undefined, ALL],
  ['an empty filter', {}, undefined, ALL],
  ['implicit equality (case-sensitive)', { status: 'open' }, undefined, 'a01 a02 a08 a10'],
  ['$eq', { status: { $eq: 'open' } }, undefined, 'a01 a02 a08 a10'],
  ['$ne matches other types, null and missing', { status: { $ne: 'open' } }, undefined, 'a03 a04 a05 a06 a07 a09 a11 a12'],
  ['equality on a number: 1 is not 1.5', { priority: 1 }, undefined, 'a01'],
  ['$gt on a number: numbers only, not "2" or true', { priority: { $gt: 1 } }, undefined, 'a02 a03 a04 a09 a10'],
  ['$gte and $lt together', { priority: { $gte: 1, $lt: 2 } }, undefined, 'a01 a02'],
  ['$lte', { priority: { $lte: 0 } }, undefined, 'a06 a07'],
  ['$gt on a string: strings only', { priority: { $gt: '1' } }, undefined, 'a05'],
  ['$gte on a boolean: booleans only', { priority: { $gte: false } }, undefined, 'a11'],
  ['$in with mixed types', { priority: { $in: [1, '2', true] } }, undefined, 'a01 a05 a11'],
  ['$nin with null leaves out null and missing', { priority: { $nin: [1, 2, null] } }, undefined, 'a02 a04 a05 a06 a07 a09 a11'],
  ['equality to null matches null and missing', { status: null }, undefined, 'a06 a07 a12'],
  ['$ne null: present and not null', { status: { $ne: null } }, undefined, 'a01 a02 a03 a04 a05 a08 a09 a10 a11'],
  ['$exists false', { status: { $exists: false } }, undefined, 'a07 a12'],
  ['$exists true includes null', { status: { $exists: true } }, undefined, 'a01 a02 a03 a04 a05 a06 a08 a09 a10 a11'],
  ['equality on an array: contains (or equals a scalar)', { tags: 'red' }, undefined, 'a01 a06 a07 a08'],
  ['$ne on an array: contains none', { tags: { $ne: 'red' } }, undefined, 'a02 a03 a04 a05 a09 a10 a11 a12'],
  ['$in on an array: contains any', { tags: { $in: ['green', 'blue'] } }, undefined, 'a01 a02 a04 a08'],
  [
    '$nin on an array: contains none, [] and missing included',
    { tags: { $nin: ['red', 'blue'] } },
    undefined,
    'a03 a04 a05 a09 a10 a11 a12',
  ],
  ['null on an array field: missing, or an array holding null; not []', { tags: null }, undefined, 'a05 a09 a10 a11 a12'],
  ['$exists true and $ne null on an array field', { tags: { $exists: true, $ne: null } }, undefined, 'a01 a02 a03 a04 a06 a07 a08'],
  ['$gt on an array: any element', { tags: { $gt: 'r' } }, undefined, 'a01 a06 a07 a08 a10'],
  ['$lt on an array: any element', { tags: { $lt: 'c' } }, undefined, 'a01 a02'],
  ['a numeric segment indexes an array', { 'tags.0': 'red' }, undefined, 'a01 a06 a08'],
  ['a nested path', { 'owner.name': 'ann' }, undefined, 'a01 a03 a10'],
  ['a nested null: null, missing, or under a scalar, {} or null', { 'owner.name': null }, undefined, 'a04 a05 a06 a07 a11 a12'],
  ['a nested $exists', { 'owner.name': { $exists: true } }, undefined, 'a01 a02 a03 a04 a08 a09 a10'],
  ['a parent that exists, a child that does not', { owner: { $exists: true }, 'owner.name': { $exists: false } }, undefined, 'a05 a06 a11'],
  ['a nested $ne null', { 'owner.team': { $ne: null } }, undefined, 'a01'],
  ['a boolean', { done: true }, undefined, 'a02 a03 a08'],
  ['$ne on a boolean', { done: { $ne: true } }, undefined, 'a01 a04 a05 a06 a07 a09 a10 a11 a12'],
  ['$lt on booleans: false < true', { done: { $lt: true } }, undefined, 'a01 a04 a07 a10'],
  ['$exists on a field set to null once', { score: { $exists: true } }, undefined, 'a01 a03'],
  ['$or', { $or: [{ status: 'closed' }, { priority: { $gte: 10 } }] }, undefined, 'a03 a04 a09'],
  ['$and', { $and: [{ status: 'open' }, { done: { $ne: true } }] }, undefined, 'a01 a10'],
  ['an implicit and of two paths', { status: 'open', priority: { $gt: 1 } }, undefined, 'a02 a10'],
  [
    '$and inside $or',
    { $or: [{ $and: [{ status: 'open' }, { tags: 'red' }] }, { 'owner.name': { $in: ['bob', 'cy'] } }] },
    undefined,
    'a01 a02 a08',
  ],
  [
    'three levels: $or, $and, $or',
    { $or: [{ $and: [{ $or: [{ priority: 0 }, { priority: 10 }] }, { status: { $exists: true } }] }, { status: 'draft' }] },
    undefined,
    'a05 a06 a09',
  ],
  ['_id names data._id, never the record id', { _id: { $exists: true } }, undefined, ''],
  ['org_id names data.org_id, never the owner', { org_id: { $exists: true } }, undefined, ''],
  // Sorted: null and missing < numbers < strings (binary: "Open" < "closed") < booleans, ties by _id.
  ['sort ascending by a string path', { status: { $exists: true } }, 'status', 'a06 a09 a03 a04 a05 a01 a02 a08 a10 a11'],
  ['sort descending by a string path', { status: { $exists: true } }, '-status', 'a11 a10 a08 a02 a01 a05 a04 a03 a09 a06'],
  ['sort ascending over every type', undefined, 'priority', 'a08 a12 a07 a06 a01 a02 a03 a10 a04 a09 a05 a11'],
  ['sort descending over every type', {}, '-priority', 'a11 a05 a09 a04 a10 a03 a02 a01 a06 a07 a12 a08'],
  ['sort by an array field leaves out the arrays (and [])', undefined, 'tags', 'a05 a09 a11 a12 a07'],
  [
    'sort ascending by a nested path, missing under {}, a scalar and null',
    { owner: { $exists: true } },
    'owner.name',
    'a04 a05 a06 a11 a09 a01 a03 a10 a02 a08',
  ],
  ['sort descending by a nested path', { owner: { $exists: true } }, '-owner.name', 'a08 a02 a10 a03 a01 a09 a11 a06 a05 a04'],
  ['sort by an object field leaves out the objects', undefined, 'owner', 'a07 a11 a12 a06'],
  ['sort by booleans, with null first', { done: { $exists: true } }, 'done', 'a05 a01 a04 a07 a10 a02 a03 a08'],
  [
    '$or sorted descending, ties by _id descending',
    { $or: [{ priority: { $gte: 2 } }, { status: null }] },
    '-priority',
    'a09 a04 a10 a03 a06 a07 a12',
  ],
  ['sort=_id', { status: 'open' }, '_id', 'a01 a02 a08 a10'],
  ['sort=-_id', { status: 'open' }, '-_id', 'a10 a08 a02 a01'],
];

/**
 * A second pair of organizations for paths that run through arrays of objects (the property test
 * keeps arrays at leaves). No record holds an empty array: whether `{"crew.name": null}` matches
 * `crew: []` is left out.
 */
const CREW_SHAPES: Data[] = [
  { crew: [{ name: 'dan', age: 30 }, { name: 'eve' }] },
  { crew: [{ name: 'ann', age: 20 }] },
  { crew: { name: 'dan', age: 40 } },
  { crew: [{ age: 50 }] },
  { crew: 'dan' },
  {},
];

const CREW: AcceptedRow[] = [
  ['equality through an array: any element', { 'crew.name': 'dan' }, undefined, 'a01 a03'],
  [
    '$ne through an array: no element (FerretDB: some element)',
    { 'crew.name': { $ne: 'dan' } },
    undefined,
    'a02 a04 a05 a06',
    THROUGH_ARRAYS('a01 a02 a04 a05 a06'),
  ],
  ['$in through an array', { 'crew.name': { $in: ['eve', 'ann'] } }, undefined, 'a01 a02'],
  [
    '$nin through an array: no element (FerretDB: some element)',
    { 'crew.name': { $nin: ['eve', 'ann'] } },
    undefined,
    'a03 a04 a05 a06',
    THROUGH_ARRAYS('a01 a03 a04 a05 a06'),
  ],
  ['$gt through an array', { 'crew.age': { $gt: 25 } }, undefined, 'a01 a03 a04'],
  ['$lt through an array', { 'crew.age': { $lt: 25 } }, undefined, 'a02'],
  ['$exists true through an array: some element has it', { 'crew.age': { $exists: true } }, undefined, 'a01 a02 a03 a04'],
  ['$exists false through an array: no element has it', { 'crew.age': { $exists: false } }, undefined, 'a05 a06'],
  [
    'null through an array: some element lacks it (FerretDB: ignores it)',
    { 'crew.age': null },
    undefined,
    'a01 a05 a06',
    THROUGH_ARRAYS('a05 a06'),
  ],
  [
    '$ne null through an array: every element has it (FerretDB: some element)',
    { 'crew.age': { $ne: null } },
    undefined,
    'a02 a03 a04',
    THROUGH_ARRAYS('a01 a02 a03 a04'),
  ],
  ['an array index then a field', { 'crew.0.name': 'dan' }, undefined, 'a01'],
  ['an array index then a field, second element', { 'crew.1.name': { $exists: true } }, undefined, 'a01'],
  ['sort through an array leaves the record out', undefined, 'crew.name', 'a05 a06 a03'],
  ['sort descending through an array', { crew: { $exists: true } }, '-crew.age', 'a03 a05'],
];

// ---------------------------------------------------------------------------------------------
// The property test: seeded random records and filters against an in-memory evaluator.

/** mulberry32: a small seeded PRNG, so that every run draws the same records and filters. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

class Draw {
  constructor(readonly next: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const STRINGS = ['', 'a', 'b', 'B', 'ab', '10', '9'] as const;

/** One scalar of the pool the records and the filters share: small ints, two halves, a few strings, booleans, null. */
function scalar(d: Draw): Scalar {
  const roll = d.next();
  if (roll < 0.4) return d.int(-2, 4);
  if (roll < 0.5) return d.pick([1.5, 2.5]);
  if (roll < 0.75) return d.pick(STRINGS);
  if (roll < 0.9) return d.chance(0.5);
  return null;
}

/** A leaf field's value, or undefined for missing: mostly scalars, sometimes an array of 0-3 scalars. */
function leaf(d: Draw): Json | undefined {
  const roll = d.next();
  if (roll < 0.12) return undefined;
  if (roll < 0.22) return Array.from({ length: d.int(0, 3) }, () => scalar(d));
  return scalar(d);
}

function withDefined(entries: [string, Json | undefined][]): Data {
  return Object.fromEntries(entries.filter((entry): entry is [string, Json] => entry[1] !== undefined));
}

/**
 * A random record over a, b (leaves), o (an object, null, a scalar or missing, never an array),
 * o.x, o.y (leaves), o.p (an object, a scalar or missing) and o.p.q (a leaf). Arrays only ever
 * sit at leaves, so a path never runs through one (the evaluator checks it): on a path through an
 * array of documents FerretDB 1.24 answers `$ne`, `$nin` and null otherwise than MongoDB (see
 * THROUGH_ARRAYS), so that shape is tabled with both answers rather than drawn here.
 */
function randomRecord(d: Draw, side: string, index: number): Data {
  const roll = d.next();
  let o: Json | undefined;
  if (roll < 0.6) {
    const pRoll = d.next();
    const p = pRoll < 0.7 ? withDefined([['q', leaf(d)]]) : pRoll < 0.85 ? scalar(d) : undefined;
    o = withDefined([
      ['x', leaf(d)],
      ['y', leaf(d)],
      ['p', p],
    ]);
  } else if (roll < 0.7) o = null;
  else if (roll < 0.8) o = scalar(d);
  return withDefined([
    ['side', side],
    ['n', index],
    ['g', index % PROPERTY_GROUPS],
    ['a', leaf(d)],
    ['b', leaf(d)],
    ['o', o],
  ]);
}

const FILTER_PATHS = ['a', 'a', 'b', 'b', 'o', 'o.x', 'o.x', 'o.y', 'o.p', 'o.p.q', 'zz'] as const;
const SORTS = ['a', 'b', 'o.x', 'o.p.q', 'o'] as const;

function randomCondition(d: Draw): [Json, number] {
  const roll = d.next();
  if (roll < 0.2) return [scalar(d), 1];
  const operators: Record<string, Json> = {};
  const count = d.chance(0.25) ? 2 : 1;
  while (Object.keys(operators).length < count) {
    const op = d.pick(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$gt', '$lt', '$in', '$nin', '$exists'] as const);
    if (op === '$eq' || op === '$ne') operators[op] = scalar(d);
    else if (op === '$in' || op === '$nin') operators[op] = Array.from({ length: d.int(0, 4) }, () => scalar(d));
    else if (op === '$exists') operators[op] = d.chance(0.5);
    else {
      // Comparisons refuse null.
      let value = scalar(d);
      while (value === null) value = scalar(d);
      operators[op] = value;
    }
  }
  return [operators, Object.keys(operators).length];
}

/** A random valid filter and its number of conditions; `$and`/`$or` at most 3 levels deep. */
function randomFilter(d: Draw, depth = 0): [Data, number] {
  const filter: Data = {};
  let conditions = 0;
  if (depth < 3 && d.chance(depth === 0 ? 0.5 : 0.3)) {
    const members: Data[] = [];
    for (let i = d.int(1, 3); i > 0; i -= 1) {
      const [member, count] = randomFilter(d, depth + 1);
      members.push(member);
      conditions += count;
    }
    filter[d.pick(['$and', '$or'])] = members;
    // Sometimes a path beside the logical operator.
    if (!d.chance(0.3)) return [filter, conditions];
  }
  for (let i = d.int(1, 2); i > 0; i -= 1) {
    const path = d.pick(FILTER_PATHS);
    if (path in filter) continue;
    const [condition, count] = randomCondition(d);
    filter[path] = condition;
    conditions += count;
  }
  return [filter, conditions];
}

const isObject = (value: unknown): value is Record<string, Json> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value at a path, undefined when missing; paths of this test never run through an array. */
function valueAt(data: Data, path: string): Json | undefined {
  let current: Json | undefined = data;
  for (const segment of path.split('.')) {
    if (Array.isArray(current)) throw new Error(`the evaluator does not follow ${path} through an array`);
    if (!isObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/** MongoDB's `{path: {$eq: x}}`: an array matches if an element does; null matches null, missing, and an array holding null. */
function matchesEq(value: Json | undefined, x: Scalar): boolean {
  if (x === null) return value === undefined || value === null || (Array.isArray(value) && value.includes(null));
  return Array.isArray(value) ? value.includes(x) : value === x;
}

/** `$gt` and friends: only values of the operand's type (bracket) compare; an array matches if an element does. */
function matchesComparison(value: Json | undefined, operator: string, x: Scalar): boolean {
  const candidates = Array.isArray(value) ? value : [value];
  return candidates.some((candidate) => {
    if (candidate === null || candidate === undefined || typeof candidate !== typeof x) return false;
    const [a, b] = [candidate as number | string | boolean, x as number | string | boolean];
    switch (operator) {
      case '$gt':
        return a > b;
      case '$gte':
        return a >= b;
      case '$lt':
        return a < b;
      case '$lte':
        return a <= b;
    }
    throw new Error(`not a comparison: ${operator}`);
  });
}

function matchesOperator(value: Json | undefined, operator: string, operand: Json): boolean {
  switch (operator) {
    case '$eq':
      return matchesEq(value, operand as Scalar);
    case '$ne':
      return !matchesEq(value, operand as Scalar);
    case '$in':
      return (operand as Scalar[]).some((x) => matchesEq(value, x));
    case '$nin':
      return !(operand as Scalar[]).some((x) => matchesEq(value, x));
    case '$exists':
      return (value !== undefined) === operand;
    default:
      return matchesComparison(value, operator, operand as Scalar);
  }
}

function matches(data: Data, filter: Data): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$and') return (condition as Data[]).every((member) => matches(data, member));
    if (key === '$or') return (condition as Data[]).some((member) => matches(data, member));
    const value = valueAt(data, key);
    if (!isObject(condition)) return matchesEq(value, condition as Scalar);
    return Object.entries(condition).every(([operator, operand]) => matchesOperator(value, operator, operand));
  });
}

/** BSON order of the scalars a sorted listing keeps: null and missing < numbers < strings < booleans. */
function bracket(value: Scalar | undefined): number {
  if (value === null || value === undefined) return 0;
  return { number: 1, string: 2, boolean: 3 }[typeof value as 'number' | 'string' | 'boolean'];
}

function compareScalars(a: Scalar | undefined, b: Scalar | undefined): number {
  const byBracket = bracket(a) - bracket(b);
  if (byBracket !== 0 || bracket(a) === 0) return byBracket;
  const [x, y] = [a as number | string | boolean, b as number | string | boolean];
  return x < y ? -1 : x > y ? 1 : 0;
}

interface Seeded {
  id: string;
  data: Data;
}

/** What the service should list: the matching records in the sort's order, without those the sort leaves out. */
function expectedListing(records: Seeded[], filter: Data | undefined, sort: string | undefined): string[] {
  const direction = sort?.startsWith('-') ? -1 : 1;
  const path = sort === undefined ? undefined : sort.replace(/^-/, '');
  const byId = (a: Seeded, b: Seeded) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  let kept = records.filter(({ data }) => filter === undefined || matches(data, filter));
  if (path === undefined || path === '_id') return kept.sort((a, b) => direction * byId(a, b)).map(({ id }) => id);
  kept = kept.filter(({ data }) => {
    const value = valueAt(data, path);
    return !Array.isArray(value) && !isObject(value);
  });
  return kept
    .sort(
      (a, b) =>
        direction *
        (compareScalars(valueAt(a.data, path) as Scalar | undefined, valueAt(b.data, path) as Scalar | undefined) || byId(a, b)),
    )
    .map(({ id }) => id);
}

const PROPERTY_RECORDS = 2_000;
/**
 * Records carry `g` = their index modulo this: most random filters are scoped to one group
 * (`{g: k, ...filter}`, about 100 records, one or two pages), every PROPERTY_DEEP_EVERY-th runs
 * over all records and pages deep. FerretDB 1.x reads and sorts the whole collection for every
 * page (no sort pushdown), so the cost is the number of pages.
 */
const PROPERTY_GROUPS = 20;
const PROPERTY_DEEP_EVERY = 10;
const PROPERTY_OTHER_RECORDS = 300;
/**
 * Random listings per mode. Each page costs a read and sort of the whole collection on FerretDB
 * 1.x (about 0.1-0.3 s here), so the default keeps a mode's run to seconds; the thorough run is
 * QUERIES_PROPERTY_FILTERS=150 (the same first 40 and 110 more, a minute or so per mode).
 */
const PROPERTY_FILTERS = Number(process.env.QUERIES_PROPERTY_FILTERS ?? 40);
const PROPERTY_PAGE = 50;
/** Listings run this many at a time: the service and the database overlap their work. */
const PROPERTY_CONCURRENCY = 2;

describe.each(['collection', 'shared', 'database'] as const)('record queries in %s mode (e2e)', (mode) => {
  const t = useTestApp({ DEFAULT_PLACEMENT: mode });

  /**
   * Organizations A and B holding `shapes` (A's labelled aNN, B's bNN), created one by one,
   * alternating A and B, so that their ids interleave and `_id` order is label order.
   */
  function useTwoOrganizations(shapes: Data[]) {
    const orgs = { labels: new Map<string, string>() } as {
      a: OrgWithToken;
      b: OrgWithToken;
      labels: Map<string, string>;
      onFerretDb: boolean;
    };
    beforeAll(async () => {
      // FerretDB says so in buildInfo; MongoDB has no such field.
      orgs.onFerretDb = 'ferretdbVersion' in (await t.db.tenant.db!.admin().command({ buildInfo: 1 }));
      orgs.a = await createOrgWithToken(t);
      orgs.b = await createOrgWithToken(t);
      for (const [index, shape] of shapes.entries()) {
        for (const side of ['a', 'b'] as const) {
          const created = await t
            .withToken(orgs[side].token)
            .post('/org/records')
            .send({ label: label(side, index), ...shape })
            .expect(201);
          orgs.labels.set(created.body.id, label(side, index));
        }
      }
    });
    return orgs;
  }

  /** Lists the row's query as A and as B: each gets exactly its own records of the row, in order. */
  async function expectRow(orgs: ReturnType<typeof useTwoOrganizations>, [, filter, sort, mongo, deviation]: AcceptedRow): Promise<void> {
    const expected = orgs.onFerretDb && deviation ? deviation.ferretDb : mongo;
    const params: Params = {
      ...(filter === undefined ? {} : { filter: JSON.stringify(filter) }),
      ...(sort === undefined ? {} : { sort }),
    };
    const wanted = expected.split(' ').filter(Boolean);
    for (const side of ['a', 'b'] as const) {
      // Pages of 2, following the cursor: the order holds across pages; one page of 100 agrees.
      const paged = await listAll(t, orgs[side].token, params, 2);
      const whole = await listAll(t, orgs[side].token, params, 100);
      const seen = paged.map(({ id, data }) => (data.label === orgs.labels.get(id) ? data.label : `${id}: ${JSON.stringify(data)}`));
      expect({ side, labels: seen }).toEqual({ side, labels: wanted.map((name) => name.replace(/^a/, side)) });
      expect(whole.map(({ id }) => id)).toEqual(paged.map(({ id }) => id));
    }
  }

  describe('accepted filters', () => {
    const orgs = useTwoOrganizations(SHAPES);
    const { labels } = orgs;

    it.each(ACCEPTED)('%s', (...row) => expectRow(orgs, row));

    it('never lists the other organization, whatever cursor a client forges', async () => {
      // A real cursor of A's, edited to start before all records or at one of B's: still A's only.
      const first = await t.withToken(orgs.a.token).get('/org/records?sort=priority&limit=1').expect(200);
      const cursor = JSON.parse(Buffer.from(first.body.next_cursor as string, 'base64url').toString('utf8'));
      const firstOfB = [...labels].find(([, name]) => name === 'b01')![0];
      const listed = async (query: string) =>
        ((await t.withToken(orgs.a.token).get(`/org/records?limit=100&${query}`).expect(200)).body.items as { id: string }[]).map(
          ({ id }) => labels.get(id),
        );
      const forge = (edit: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...cursor, ...edit })).toString('base64url');
      expect(await listed(`sort=priority&cursor=${forge({ v: null, i: '000000000000000000000000' })}`)).toEqual(
        'a08 a12 a07 a06 a01 a02 a03 a10 a04 a09 a05 a11'.split(' '),
      );
      expect(await listed(`sort=priority&cursor=${forge({ v: -1000, i: firstOfB })}`)).toEqual(
        'a07 a06 a01 a02 a03 a10 a04 a09 a05 a11'.split(' '),
      );
      // An `_id` cursor of one of B's records pages A's records after it, never B's.
      expect(await listed(`cursor=${firstOfB}`)).toEqual('a02 a03 a04 a05 a06 a07 a08 a09 a10 a11 a12'.split(' '));
    });
  });

  describe('accepted filters over paths through arrays of objects', () => {
    const orgs = useTwoOrganizations(CREW_SHAPES);

    it.each(CREW)('%s', (...row) => expectRow(orgs, row));
  });

  describe('refused filters, sorts and cursors', () => {
    let a: OrgWithToken;
    let b: OrgWithToken;

    beforeAll(async () => {
      a = await createOrgWithToken(t);
      b = await createOrgWithToken(t);
      await createBatch(t, a, [
        { status: 'open', priority: 1, tags: ['red'] },
        { status: 'closed', priority: 2 },
        { status: 'open', priority: 3 },
      ]);
      await createBatch(t, b, [{ status: 'open', priority: 1, secret: 'b' }]);
    });

    const many = (n: number) => Array.from({ length: n }, (_, i) => i);
    const nested = (operator: string, levels: number): unknown =>
      levels === 0 ? { a: 1 } : { [operator]: [nested(operator, levels - 1)] };

    /** [what, filter (string: sent as is), message]. */
    const REFUSED: [string, unknown, RegExp][] = [
      ['$where', { $where: 'sleep(1000) || true' }, /operator \$where is not allowed \(at top level\)/],
      ['$where under $or', { $or: [{ status: 'open' }, { $where: '1' }] }, /operator \$where is not allowed \(at \$or\[1\]\)/],
      ['$regex', { status: { $regex: '^o' } }, /operator \$regex is not allowed \(at status\)/],
      ['$regex beside $options', { status: { $regex: 'o', $options: 'i' } }, /operator \$regex is not allowed/],
      ['$expr', { $expr: { $eq: ['$status', 'open'] } }, /operator \$expr is not allowed/],
      ['$elemMatch', { tags: { $elemMatch: { $eq: 'red' } } }, /operator \$elemMatch is not allowed \(at tags\)/],
      ['$not', { priority: { $not: { $gt: 1 } } }, /operator \$not is not allowed \(at priority\)/],
      ['$nor', { $nor: [{ status: 'open' }] }, /operator \$nor is not allowed/],
      ['$size', { tags: { $size: 1 } }, /operator \$size is not allowed \(at tags\)/],
      ['$type', { status: { $type: 'string' } }, /operator \$type is not allowed \(at status\)/],
      ['$mod', { priority: { $mod: [2, 0] } }, /operator \$mod is not allowed \(at priority\)/],
      ['$text', { $text: { $search: 'open' } }, /operator \$text is not allowed/],
      ['$all', { tags: { $all: ['red'] } }, /operator \$all is not allowed \(at tags\)/],
      ['$jsonSchema', { $jsonSchema: { required: ['secret'] } }, /operator \$jsonSchema is not allowed/],
      ['$comment', { $comment: 'x' }, /operator \$comment is not allowed/],
      [
        'an operator inside an $and member path',
        { $and: [{ status: { $in: ['open'], $foo: 1 } }] },
        /operator \$foo is not allowed \(at status in \$and\[0\]\)/,
      ],
      ['a $-prefixed path', { $status: 'open' }, /operator \$status is not allowed/],
      ['a $ segment', { 'status.$': 'open' }, /path "status\.\$" is not a valid path/],
      ['a $-prefixed inner segment', { 'owner.$name': 'ann' }, /path "owner\.\$name" is not a valid path/],
      ['an object value', { owner: { name: 'ann' } }, /owner must be a scalar, not an object/],
      ['an object mixing operators and fields', { status: { $eq: 'open', x: 1 } }, /status must be a scalar, not an object/],
      ['an empty object value', { status: {} }, /status must be a scalar or an object of operators, not an empty object/],
      ['an object under $eq', { owner: { $eq: { name: 'ann' } } }, /\$eq at owner takes a scalar, not an object/],
      ['an object under $ne', { owner: { $ne: { $gt: '' } } }, /\$ne at owner takes a scalar, not an object/],
      ['an array value', { tags: ['red'] }, /tags must be a scalar, not an array \(use \$in\)/],
      ['an array under $eq', { tags: { $eq: ['red'] } }, /\$eq at tags takes a scalar, not an array/],
      ['an array under $gt', { priority: { $gt: [1] } }, /\$gt at priority takes a scalar, not an array/],
      ['null under $lt', { priority: { $lt: null } }, /\$lt at priority takes a number, string or boolean, not null/],
      ['an object inside $in', { status: { $in: ['open', { $gt: '' }] } }, /\$in at status takes scalars, not an object/],
      ['$in without an array', { status: { $in: 'open' } }, /\$in at status takes an array of scalars/],
      ['$exists with a number', { status: { $exists: 1 } }, /\$exists at status takes true or false/],
      ['6 segments', { 'a.b.c.d.e.f': 1 }, /path "a\.b\.c\.d\.e\.f" is not a valid path/],
      ['an empty segment', { 'a..b': 1 }, /path "a\.\.b" is not a valid path/],
      ['a trailing dot', { 'a.': 1 }, /path "a\." is not a valid path/],
      ['a dash', { 'a-b': 1 }, /path "a-b" is not a valid path/],
      ['a non-ASCII letter', { stätus: 1 }, /path "stätus" is not a valid path/],
      ['an empty path', { '': 1 }, /path "" is not a valid path/],
      ['a bad path inside $or', { $or: [{ 'a b': 1 }] }, /path "a b" is not a valid path \(in \$or\[0\]\)/],
      ['21 conditions', { $and: many(21).map((i) => ({ [`p${i}`]: i })) }, /more than 20 conditions/],
      ['21 conditions as operators', { a: { $gt: 1, $lt: 9 }, $or: many(19).map((i) => ({ [`p${i}`]: i })) }, /more than 20 conditions/],
      ['4 levels of $or', nested('$or', 4), /\$or nested deeper than 3 levels/],
      ['4 levels of $or and $and', { $or: [{ $and: [{ $or: [{ $and: [{ a: 1 }] }] }] }] }, /\$and nested deeper than 3 levels/],
      ['an empty $or', { $or: [] }, /\$or takes a non-empty array of filter objects/],
      ['an empty $and member', { $and: [{}] }, /\$and\[0\] must be a non-empty filter object/],
      ['$or of a non-object', { $or: ['a'] }, /\$or\[0\] must be a non-empty filter object/],
      ['101 $in values', { status: { $in: many(101) } }, /\$in at status takes at most 100 values/],
      ['101 $nin values', { 'owner.name': { $nin: many(101).map(String) } }, /\$nin at owner\.name takes at most 100 values/],
      ['a number out of range', '{"priority":1e999}', /priority must be a scalar, not a number out of range/],
      ['invalid JSON', '{"status":', /filter is not valid JSON/],
      ['an empty filter parameter', '', /filter is not valid JSON/],
      ['a JSON array', '[{"status":"open"}]', /filter must be a JSON object/],
      ['a JSON string', '"open"', /filter must be a JSON object/],
      ['JSON null', 'null', /filter must be a JSON object/],
      ['a JSON number', '1', /filter must be a JSON object/],
      ['more than 4,096 characters', JSON.stringify({ status: 'x'.repeat(4_100) }), /filter/],
      // Under the DTO's 4,096 characters, over the compiler's 8,192 bytes of UTF-8.
      ['more than 8,192 bytes in fewer characters', JSON.stringify({ status: '€'.repeat(2_800) }), /filter is longer than 8192 bytes/],
    ];

    it.each(REFUSED)('refuses %s with 400 naming it', async (_, filter, message) => {
      const raw = typeof filter === 'string' ? filter : JSON.stringify(filter);
      const res = await t.withToken(a.token).get(`/org/records?${new URLSearchParams({ filter: raw }).toString()}`);
      expectError(res, 400, message);
    });

    it.each<[string, RegExp]>([
      ['a..b', /sort "a\.\.b" is not valid/],
      ['$x', /sort "\$x" is not valid/],
      ['-', /sort "-" is not valid/],
      ['--status', /sort "--status" is not valid/],
      ['+status', /sort "\+status" is not valid/],
      ['a.b.c.d.e.f', /sort "a\.b\.c\.d\.e\.f" is not valid/],
      ['', /sort "" is not valid/],
    ])('refuses sort=%j with 400 naming it', async (sort, message) => {
      const res = await t.withToken(a.token).get(`/org/records?${new URLSearchParams({ sort }).toString()}`);
      expectError(res, 400, message);
    });

    it('refuses a cursor of another sort or filter, and a malformed or edited one', async () => {
      const api = t.withToken(a.token);
      const list = (params: Params) => api.get(`/org/records?${new URLSearchParams({ limit: '1', ...params }).toString()}`);
      const byPriority = (await list({ sort: 'priority' }).expect(200)).body.next_cursor as string;
      const open = JSON.stringify({ status: 'open' });
      const openByPriority = (await list({ sort: 'priority', filter: open }).expect(200)).body.next_cursor as string;
      const byIdDescending = (await list({ sort: '-_id' }).expect(200)).body.next_cursor as string;
      const byId = (await list({}).expect(200)).body.next_cursor as string;
      expect([byPriority, openByPriority, byIdDescending]).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
      expect(byId).toMatch(/^[0-9a-f]{24}$/);
      // Each still works where it belongs.
      await list({ sort: 'priority', cursor: byPriority }).expect(200);
      await list({ sort: 'priority', filter: open, cursor: openByPriority }).expect(200);
      await list({ sort: 'priority', filter: JSON.stringify({ status: { $eq: 'open' } }), cursor: openByPriority }).expect(200);

      const otherSortOrFilter: Params[] = [
        { sort: '-priority', cursor: byPriority },
        { sort: 'status', cursor: byPriority },
        { cursor: byPriority },
        { sort: '_id', cursor: byPriority },
        { sort: 'priority', filter: JSON.stringify({ status: 'closed' }), cursor: openByPriority },
        { sort: 'priority', cursor: openByPriority },
        { sort: 'priority', filter: open, cursor: byPriority },
        { sort: 'priority', cursor: byIdDescending },
        { cursor: byIdDescending },
        { sort: 'priority', cursor: byId },
        { sort: '-_id', cursor: byId },
      ];
      for (const params of otherSortOrFilter) {
        expectError(await list(params), 400, /^cursor was made for a different sort or filter$/);
      }

      const payload = JSON.parse(Buffer.from(byPriority, 'base64url').toString('utf8'));
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const malformed = [
        '!!!',
        'not a cursor',
        'abc',
        encode([payload]),
        encode({ ...payload, v: { $gt: 0 } }),
        encode({ ...payload, v: [1] }),
        encode({ ...payload, i: 'zz' }),
        encode({ ...payload, i: { $gt: '' } }),
        encode({ ...payload, x: 1 }),
        encode({ s: payload.s, h: payload.h, i: payload.i }),
        byPriority.slice(0, -4),
        '0123456789ABCDEF01234567',
      ];
      for (const cursor of malformed) {
        expectError(await list({ sort: 'priority', cursor }), 400, /^cursor /);
      }
      // Long, but within Node's 16 KiB of headers (a longer URL gets 431 before the service sees it).
      expectError(await list({ sort: 'priority', cursor: 'x'.repeat(5_000) }), 400, /cursor/);
    });

    it('refuses a limit out of 1-100 with 400 naming it', async () => {
      for (const limit of ['0', '101', '-1', '1.5', 'ten']) {
        expectError(await t.withToken(a.token).get(`/org/records?limit=${limit}`), 400, /limit/);
      }
    });

    it("reads or changes nothing of either organization's data through a refused query", async () => {
      const before = [await storedData(t, a), await storedData(t, b)];
      for (const [, filter] of REFUSED) {
        const raw = typeof filter === 'string' ? filter : JSON.stringify(filter);
        const res = await t.withToken(a.token).get(`/org/records?${new URLSearchParams({ filter: raw, sort: 'priority' }).toString()}`);
        expect({ status: res.status, items: res.body.items }).toEqual({ status: 400, items: undefined });
      }
      expect([await storedData(t, a), await storedData(t, b)]).toEqual(before);
      expect(before.map((records) => records.length)).toEqual([3, 1]);
    });
  });

  describe('random filters against an in-memory evaluation', () => {
    let a: OrgWithToken;
    let records: Seeded[] = [];
    const others = new Set<string>();

    beforeAll(async () => {
      a = await createOrgWithToken(t);
      const b = await createOrgWithToken(t);
      const d = new Draw(prng(20_260_601));
      const aData = Array.from({ length: PROPERTY_RECORDS }, (_, i) => randomRecord(d, 'a', i));
      const bData = Array.from({ length: PROPERTY_OTHER_RECORDS }, (_, i) => randomRecord(d, 'b', i));
      // B's ids fall between A's: a cursor or filter that lost the organization would pick them up.
      const half = PROPERTY_RECORDS / 2;
      const first = await createBatch(t, a, aData.slice(0, half));
      for (const id of await createBatch(t, b, bData)) others.add(id);
      const second = await createBatch(t, a, aData.slice(half));
      records = [...first, ...second].map((id, i) => ({ id, data: aData[i] }));
    }, 120_000);

    it(`pages through ${PROPERTY_FILTERS} random filters and sorts exactly as MongoDB's semantics say`, async () => {
      const d = new Draw(prng(7));
      const cases: { filter: Data | undefined; sort: string | undefined }[] = [];
      while (cases.length < PROPERTY_FILTERS) {
        const scoped = cases.length % PROPERTY_DEEP_EVERY !== 0;
        const [random, conditions] = d.chance(0.05) ? [{}, 0] : randomFilter(d);
        if (conditions > (scoped ? 19 : 20)) continue;
        const filter = scoped ? { g: d.int(0, PROPERTY_GROUPS - 1), ...random } : random;
        const sortRoll = d.next();
        const sort =
          sortRoll < 0.25 ? undefined : sortRoll < 0.3 ? '_id' : sortRoll < 0.35 ? '-_id' : `${d.chance(0.5) ? '' : '-'}${d.pick(SORTS)}`;
        cases.push({ filter: Object.keys(filter).length === 0 ? undefined : filter, sort });
      }

      const disagreements: unknown[] = [];
      let listed = 0;
      let pages = 0;
      const started = Date.now();
      const run = async ({ filter, sort }: (typeof cases)[number]) => {
        const params: Params = {
          ...(filter === undefined ? {} : { filter: JSON.stringify(filter) }),
          ...(sort === undefined ? {} : { sort }),
        };
        const got = (await listAll(t, a.token, params, PROPERTY_PAGE)).map(({ id }) => id);
        listed += got.length;
        pages += Math.max(1, Math.ceil(got.length / PROPERTY_PAGE));
        const want = expectedListing(records, filter, sort);
        const leaked = got.filter((id) => others.has(id));
        if (leaked.length > 0) disagreements.push({ ...params, leaked });
        if (JSON.stringify(got) === JSON.stringify(want)) return;
        const dataOf = (id: string) => records.find((record) => record.id === id)?.data ?? 'not one of A';
        const gotSet = new Set(got);
        const wantSet = new Set(want);
        disagreements.push({
          ...params,
          counts: { got: got.length, want: want.length },
          unexpected: got
            .filter((id) => !wantSet.has(id))
            .slice(0, 5)
            .map((id) => ({ id, data: dataOf(id) })),
          missing: want
            .filter((id) => !gotSet.has(id))
            .slice(0, 5)
            .map((id) => ({ id, data: dataOf(id) })),
          firstOutOfOrder: got.findIndex((id, i) => id !== want[i]),
          duplicates: got.length - gotSet.size,
        });
      };
      const queue = [...cases];
      await Promise.all(
        Array.from({ length: PROPERTY_CONCURRENCY }, async () => {
          for (let next = queue.shift(); next; next = queue.shift()) await run(next);
        }),
      );
      process.stderr.write(
        `[queries ${mode}] ${cases.length} random listings, ${listed} records listed in ${pages} pages in ${Date.now() - started} ms\n`,
      );
      expect(disagreements).toEqual([]);
    }, 300_000);
  });

  // FerretDB's SQLite backend scans for every query, so the plan is only checked on PostgreSQL (not
  // registered elsewhere, rather than skipped).
  if (mode === 'collection' && onPostgres) {
    describe('an indexed query on FerretDB PostgreSQL', () => {
      let owner: OrgWithToken;
      let orgId: Types.ObjectId;

      beforeAll(async () => {
        owner = await createOrgWithToken(t);
        orgId = new Types.ObjectId(owner.org.id as string);
        await t
          .withToken(owner.token)
          .post('/org/records/indexes')
          .send({ keys: { status: 1 } })
          .expect(201);
        await createBatch(
          t,
          owner,
          Array.from({ length: 2_400 }, (_, i) => ({ status: `s${i % 12}`, n: i })),
        );
        // The planner's statistics for the new rows.
        const page = await t
          .withToken(owner.token)
          .get(`/org/records?${new URLSearchParams({ filter: '{"status":"s3"}', sort: 'status' }).toString()}`)
          .expect(200);
        expect(page.body.items).toHaveLength(20);
        expect(page.body.items.every(({ data }: { data: Data }) => data.status === 's3')).toBe(true);
      }, 120_000);

      async function planOf(filter: Record<string, unknown>, sort: Record<string, 1 | -1>, limit: number) {
        const collection = t.db.collectionAt(owner.org.placement as PlacementView);
        const explained = await collection.find(filter).sort(sort).limit(limit).explain('queryPlanner');
        const steps = planSteps(explained.queryPlanner);
        return {
          steps,
          usesAnIndex: steps.some((step) => INDEX_STEP.test(step)),
          scans: steps.filter((step) => SCAN_STEP.test(step)),
          // The rest of the answer: FerretDB 1.x says there what it pushed down to PostgreSQL.
          explained: Object.fromEntries(
            Object.entries(explained).filter(([key]) => !['queryPlanner', 'serverInfo', 'command'].includes(key)),
          ),
        };
      }

      it('plans filter={"status":"s3"}&sort=status on the index', async () => {
        const plan = await planOf({ org_id: orgId, 'data.status': { $eq: 's3' } }, { 'data.status': 1, _id: 1 }, 21);
        expect(plan).toEqual({ ...plan, usesAnIndex: true, scans: [] });
      });

      it('plans the very query the service compiles for it on the index', async () => {
        const compiled = compileRecordQuery(orgId, { filter: '{"status":"s3"}', sort: 'status', limit: 20 });
        const plan = await planOf(compiled.filter, compiled.sort, compiled.limit + 1);
        expect(plan).toEqual({ ...plan, usesAnIndex: true, scans: [] });
      });
    });
  }
});
