import { createHash } from 'node:crypto';
import { isObjectIdHex, toObjectId, type ObjectId } from '../../common/database/object-id.js';
import { InvalidInputError } from '../../common/errors/domain.error.js';

/**
 * Compiles the query parameters of `GET /org/records` (`filter`, `sort`, `cursor`, `limit`) into a
 * MongoDB filter and sort over one organization's records. Pure: no I/O, every refusal is an
 * InvalidInputError (400) whose message names the offending path or operator.
 *
 * Filter grammar (an allow-list: anything not listed is refused):
 * - the filter is a JSON object whose keys are paths or `$and` / `$or`;
 * - a path is 1 to PATH_MAX_SEGMENTS dot-separated segments of `A-Za-z0-9_` and names a field
 *   under `data`: `status.code` is the stored `data.status.code`, and `_id` or `org_id` are
 *   `data._id` and `data.org_id`, so a filter can never reach a record's own fields;
 * - a path maps to a scalar (implicit `$eq`) or to an object of operators: `$eq $ne` take a scalar,
 *   `$gt $gte $lt $lte` a number, string or boolean (null is refused: use `$eq`/`$ne`/`$exists`),
 *   `$in $nin` an array of at most FILTER_MAX_IN_VALUES scalars, `$exists` a boolean;
 * - `$and` / `$or` take a non-empty array of non-empty filter objects;
 * - scalars are strings, finite numbers, booleans and null.
 * Limits: the raw filter is at most FILTER_MAX_BYTES bytes of UTF-8; it holds at most
 * FILTER_MAX_CONDITIONS conditions, a condition being one path/operator comparison (`{a: 1}` is
 * one, `{a: {$gt: 1, $lt: 5}}` two, `{a: {$in: [...100 values]}}` one; `$and`/`$or` themselves
 * count nothing); `$and`/`$or` nest at most FILTER_MAX_DEPTH levels (`{$or: [{a: 1}]}` is one
 * level, `{$or: [{$and: [{$or: [{a: 1}]}]}]}` three).
 *
 * Values keep MongoDB's semantics: `{p: null}` and `{p: {$eq: null}}` match records where p is null
 * or missing, `{p: {$ne: null}}` those where it exists and is not null, `$exists: true` also matches
 * null; a comparison only matches values of the operand's type (`$gt: 5` never matches a string);
 * where the stored value is an array, a comparison matches if any element does.
 *
 * Sort: `sort=<path>` / `-<path>` orders by `data.<path>` then `_id`, both in that direction;
 * `_id` / `-_id` (the record id, not `data._id`) or no sort orders by `_id` alone. A listing sorted
 * by a path leaves out the records where that path holds an object or an array, or runs through an
 * array: MongoDB sorts an array by its least (greatest, descending) element but matches a range
 * against any element, so no keyset cursor can page them; a cursor that tried would return the same
 * page for ever. The kept values page exactly, in BSON order: null and missing (equal) < numbers <
 * strings (binary) < booleans (false < true).
 *
 * Cursor: sorted by `_id` ascending (the default), it is the 24-hex id of the last record and the
 * next page is `_id > cursor`, as before. Any other sort gets an opaque base64url(JSON) cursor
 * `{s: sort, h: hash(sort, filter), v: last value (null for missing), i: last id}` (no `v` for `-_id`),
 * refused with another sort or filter. See continuationAfter for the next page's filter.
 */

/** Bytes of UTF-8 a raw `filter` may hold. */
export const FILTER_MAX_BYTES = 8 * 1024;
/** Path/operator comparisons in one filter. */
export const FILTER_MAX_CONDITIONS = 20;
/** Nesting levels of `$and` / `$or`. */
export const FILTER_MAX_DEPTH = 3;
/** Values of one `$in` / `$nin`. */
export const FILTER_MAX_IN_VALUES = 100;
/** Dot-separated segments of a filter or sort path. */
export const PATH_MAX_SEGMENTS = 5;
/** Characters of an opaque cursor: no URL that Node accepts holds a longer one. */
export const CURSOR_MAX_LENGTH = 4 * 1024;

export interface RecordQueryInput {
  filter?: string;
  sort?: string;
  cursor?: string;
  limit: number;
}

export interface CompiledRecordQuery {
  /** Always includes `org_id: orgId` at the top level (an $and of scope, user filter and cursor continuation is fine, but org_id MUST be a top-level key equal to orgId, because the repository refuses filters without it). */
  filter: Record<string, unknown>;
  /** e.g. {'data.status': 1, _id: 1}, {'data.n': -1, _id: -1}, or {_id: 1} without sort. */
  sort: Record<string, 1 | -1>;
  limit: number;
  /** The cursor for the page after this record (the last of a full page). */
  cursorAfter(last: { _id: ObjectId; data: Record<string, unknown> }): string;
  /** The sorted data path ('data.x.y') or null when sorting by _id only; handy for the service. */
  sortPath: string | null;
}

type Scalar = string | number | boolean | null;
type MongoFilter = Record<string, unknown>;

interface SortSpec {
  /** The `sort` parameter as given, or `_id` without one: what an opaque cursor is bound to. */
  text: string;
  direction: 1 | -1;
  /** The path's segments; null when sorting by `_id` alone. */
  segments: string[] | null;
}

/** Where a sorted page ended. */
interface After {
  id: ObjectId;
  value: Scalar;
}

interface CursorPayload {
  s: string;
  h: string;
  i: string;
  v?: Scalar;
}

const SEGMENT = /^[A-Za-z0-9_]+$/;
const PATH_RULE = `1 to ${PATH_MAX_SEGMENTS} dot-separated segments of A-Z, a-z, 0-9 and _`;
const TOP = 'top level';
const COMPARISONS = new Set(['$gt', '$gte', '$lt', '$lte']);
/** The `$type` names of the non-null brackets a sorted listing keeps, in BSON order. */
const BRACKET_TYPES = ['number', 'string', 'bool'];

export function compileRecordQuery(orgId: ObjectId, input: RecordQueryInput): CompiledRecordQuery {
  const userFilter = input.filter === undefined ? null : compileFilter(input.filter);
  const sort = parseSort(input.sort);
  const hash = queryHash(sort, userFilter);
  const sortPath = sort.segments && dataField(sort.segments);

  const filter: MongoFilter = { org_id: orgId };
  const parts: MongoFilter[] = [];
  const rest = userFilter && hoistEqualities(userFilter, filter);
  if (rest) parts.push(rest);
  if (sort.segments) parts.push(sortableOnly(sort.segments));
  if (input.cursor !== undefined) {
    const after = readCursor(input.cursor, sort, hash);
    // The `_id` range stays a top-level key, as the repository has always sent it.
    if (sortPath) parts.push(continuationAfter(sortPath, sort.direction, after));
    else filter._id = { [sort.direction === 1 ? '$gt' : '$lt']: after.id };
  }
  if (parts.length > 0) filter.$and = parts;

  return {
    filter,
    sort: sortPath ? { [sortPath]: sort.direction, _id: sort.direction } : { _id: sort.direction },
    limit: input.limit,
    cursorAfter: (last) => cursorAfter(sort, hash, last),
    sortPath,
  };
}

/**
 * Moves the user filter's top-level equalities on a first-level path (`data.status`: a string,
 * number or boolean) beside `org_id`, and answers what is left (null when nothing is). Same
 * meaning, but FerretDB pushes only top-level equalities down to PostgreSQL, where an index's
 * shadow serves them (README "The local database"); under `$and` it would scan. Deeper paths stay:
 * FerretDB's pushdown of `a.b` misses records where `a` is an array of subdocuments (FerretDB
 * issue 5612), and `data` itself is always an object, so a first-level path cannot pass one.
 */
function hoistEqualities(userFilter: MongoFilter, into: MongoFilter): MongoFilter | null {
  const rest: MongoFilter = {};
  for (const [key, condition] of Object.entries(userFilter)) {
    const value = isPlainObject(condition) && Object.keys(condition).length === 1 ? condition.$eq : undefined;
    const hoistable = key.split('.').length === 2 && ['string', 'number', 'boolean'].includes(typeof value);
    if (hoistable) into[key] = value;
    else rest[key] = condition;
  }
  return Object.keys(rest).length > 0 ? rest : null;
}

function invalid(message: string): InvalidInputError {
  return new InvalidInputError(message);
}

/** User text quoted into a message, cut short: error bodies stay small whatever was sent. */
function show(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What keeps a JSON value from being a scalar, or null when it is one. */
function nonScalar(value: unknown): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  // JSON.parse turns 1e999 into Infinity, which BSON would store but JSON could never read back.
  if (typeof value === 'number') return Number.isFinite(value) ? null : 'a number out of range';
  return Array.isArray(value) ? 'an array' : 'an object';
}

function parsePath(text: string): string[] | null {
  const segments = text.split('.');
  return segments.length <= PATH_MAX_SEGMENTS && segments.every((segment) => SEGMENT.test(segment)) ? segments : null;
}

function dataField(segments: string[]): string {
  return `data.${segments.join('.')}`;
}

// ---------------------------------------------------------------------------------------------
// Filter

interface Budget {
  conditions: number;
}

/** The validated filter, rebuilt from its parts; null when it has none (`{}`). */
function compileFilter(raw: string): MongoFilter | null {
  if (Buffer.byteLength(raw, 'utf8') > FILTER_MAX_BYTES) throw invalid(`filter is longer than ${FILTER_MAX_BYTES} bytes`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid('filter is not valid JSON');
  }
  if (!isPlainObject(parsed)) throw invalid('filter must be a JSON object');
  const compiled = compileObject(parsed, TOP, 0, { conditions: 0 });
  return Object.keys(compiled).length > 0 ? compiled : null;
}

/** `where` names the object in messages: `top level`, `$or[1]`, `$or[1].$and[0]`. */
function compileObject(source: Record<string, unknown>, where: string, depth: number, budget: Budget): MongoFilter {
  const compiled: MongoFilter = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === '$and' || key === '$or') {
      compiled[key] = compileLogical(key, value, where, depth + 1, budget);
    } else if (key.startsWith('$')) {
      throw invalid(`filter: operator ${key.slice(0, 64)} is not allowed (at ${where})`);
    } else {
      const segments = parsePath(key);
      if (!segments)
        throw invalid(`filter: path ${show(key)} is not a valid path${where === TOP ? '' : ` (in ${where})`}: use ${PATH_RULE}`);
      // The `data.` prefix is what keeps `_id` and `org_id` out of a user's reach.
      compiled[dataField(segments)] = compileCondition(key, value, where === TOP ? key : `${key} in ${where}`, budget);
    }
  }
  return compiled;
}

function compileLogical(operator: '$and' | '$or', value: unknown, where: string, depth: number, budget: Budget): MongoFilter[] {
  if (depth > FILTER_MAX_DEPTH) throw invalid(`filter: ${operator} nested deeper than ${FILTER_MAX_DEPTH} levels`);
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid(`filter: ${operator} takes a non-empty array of filter objects (at ${where})`);
  }
  return value.map((item, index) => {
    const itemWhere = where === TOP ? `${operator}[${index}]` : `${where}.${operator}[${index}]`;
    // An empty member would match everything while counting no condition.
    if (!isPlainObject(item) || Object.keys(item).length === 0) throw invalid(`filter: ${itemWhere} must be a non-empty filter object`);
    return compileObject(item, itemWhere, depth, budget);
  });
}

function countCondition(budget: Budget): void {
  budget.conditions += 1;
  if (budget.conditions > FILTER_MAX_CONDITIONS) throw invalid(`filter: more than ${FILTER_MAX_CONDITIONS} conditions`);
}

/** `at` names the path in messages: `status`, or `status in $or[1]`. */
function compileCondition(path: string, value: unknown, at: string, budget: Budget): MongoFilter {
  if (isPlainObject(value)) return compileOperators(value, at, budget);
  const problem = nonScalar(value);
  if (problem) throw invalid(`filter: ${at} must be a scalar, not ${problem}${Array.isArray(value) ? ' (use $in)' : ''}`);
  countCondition(budget);
  // Always the explicit form: a literal value is never read as anything but a value.
  return { $eq: value };
}

function compileOperators(source: Record<string, unknown>, at: string, budget: Budget): MongoFilter {
  const operators = Object.keys(source);
  if (operators.length === 0) throw invalid(`filter: ${at} must be a scalar or an object of operators, not an empty object`);
  if (!operators.every((key) => key.startsWith('$'))) throw invalid(`filter: ${at} must be a scalar, not an object`);
  const compiled: MongoFilter = {};
  for (const operator of operators) {
    const operand = compileOperand(operator, source[operator], at);
    countCondition(budget);
    compiled[operator] = operand;
  }
  return compiled;
}

/** The operand, rebuilt, of an allowed operator; any other operator is refused. */
function compileOperand(operator: string, operand: unknown, at: string): Scalar | Scalar[] {
  const subject = `filter: ${operator} at ${at}`;
  if (operator === '$eq' || operator === '$ne') return scalarOperand(operand, subject);
  if (COMPARISONS.has(operator)) {
    // `$gt: null` matches nothing and `$gte: null` means `$eq: null`: refused rather than surprising.
    if (operand === null) throw invalid(`${subject} takes a number, string or boolean, not null`);
    return scalarOperand(operand, subject);
  }
  if (operator === '$in' || operator === '$nin') return listOperand(operand, subject);
  if (operator === '$exists') {
    if (typeof operand !== 'boolean') throw invalid(`${subject} takes true or false`);
    return operand;
  }
  throw invalid(`filter: operator ${operator.slice(0, 64)} is not allowed (at ${at})`);
}

function scalarOperand(operand: unknown, subject: string): Scalar {
  const problem = nonScalar(operand);
  if (problem) throw invalid(`${subject} takes a scalar, not ${problem}`);
  return operand as Scalar;
}

function listOperand(operand: unknown, subject: string): Scalar[] {
  if (!Array.isArray(operand)) throw invalid(`${subject} takes an array of scalars`);
  if (operand.length > FILTER_MAX_IN_VALUES) throw invalid(`${subject} takes at most ${FILTER_MAX_IN_VALUES} values`);
  return operand.map((item) => {
    const problem = nonScalar(item);
    if (problem) throw invalid(`${subject} takes scalars, not ${problem}`);
    return item as Scalar;
  });
}

// ---------------------------------------------------------------------------------------------
// Sort

function parseSort(raw: string | undefined): SortSpec {
  if (raw === undefined) return { text: '_id', direction: 1, segments: null };
  const direction = raw.startsWith('-') ? -1 : 1;
  const body = direction === -1 ? raw.slice(1) : raw;
  if (body === '_id') return { text: raw, direction, segments: null };
  const segments = parsePath(body);
  if (!segments) throw invalid(`sort ${show(raw)} is not valid: use <path> or -<path>, a path being ${PATH_RULE}`);
  return { text: raw, direction, segments };
}

/**
 * Keeps the records a keyset cursor can page by the path: none of its prefixes is an array and the
 * value is not an object or array (see the module comment). Missing values stay: they sort as null.
 */
function sortableOnly(segments: string[]): MongoFilter {
  const clauses: MongoFilter = {};
  for (let length = 1; length < segments.length; length += 1) {
    clauses[dataField(segments.slice(0, length))] = { $not: { $type: 'array' } };
  }
  clauses[dataField(segments)] = { $not: { $type: ['object', 'array'] } };
  return clauses;
}

// ---------------------------------------------------------------------------------------------
// Cursor

function queryHash(sort: SortSpec, filter: MongoFilter | null): string {
  // The compiled filter, not the raw text: the same filter spelled with other spacing still matches.
  return createHash('sha256')
    .update(`${sort.text}\n${JSON.stringify(filter ?? {})}`)
    .digest('base64url')
    .slice(0, 12);
}

function cursorNotValid(): InvalidInputError {
  return invalid('cursor is not valid');
}

function readCursor(raw: string, sort: SortSpec, hash: string): After {
  const idAscending = sort.segments === null && sort.direction === 1;
  if (isObjectIdHex(raw)) {
    if (!idAscending) throw invalid('cursor was made for a different sort or filter');
    return { id: toObjectId(raw), value: null };
  }
  const payload = decodeCursor(raw);
  // An `_id`-ascending listing never hands out an opaque cursor, whatever its filter.
  if (idAscending || payload.s !== sort.text || payload.h !== hash) throw invalid('cursor was made for a different sort or filter');
  // A path sort's cursor carries the last value; an `_id` sort's does not.
  const carriesValue = 'v' in payload;
  if (carriesValue !== (sort.segments !== null)) throw cursorNotValid();
  return { id: toObjectId(payload.i), value: payload.v ?? null };
}

/** Checks every field: a cursor comes back from the client and may have been edited. */
function decodeCursor(raw: string): CursorPayload {
  if (raw.length > CURSOR_MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(raw)) throw cursorNotValid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw cursorNotValid();
  }
  if (!isPlainObject(parsed) || !Object.keys(parsed).every((key) => ['s', 'h', 'i', 'v'].includes(key))) throw cursorNotValid();
  const { s, h, i } = parsed;
  if (typeof s !== 'string' || typeof h !== 'string' || typeof i !== 'string' || !isObjectIdHex(i)) throw cursorNotValid();
  if (!('v' in parsed)) return { s, h, i };
  if (nonScalar(parsed.v)) throw cursorNotValid();
  return { s, h, i, v: parsed.v as Scalar };
}

function encodeCursor(payload: CursorPayload): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

function cursorAfter(sort: SortSpec, hash: string, last: { _id: ObjectId; data: Record<string, unknown> }): string {
  const i = last._id.toHexString();
  if (sort.segments === null) return sort.direction === 1 ? i : encodeCursor({ s: sort.text, h: hash, i });
  return encodeCursor({ s: sort.text, h: hash, v: sortValue(last.data, sort.segments, i), i });
}

/** The value MongoDB sorted the record by: null when missing, as MongoDB treats it. */
function sortValue(data: Record<string, unknown>, segments: string[], id: string): Scalar {
  let current: unknown = data;
  for (const segment of segments) {
    if (Array.isArray(current)) break;
    // A path through a scalar is missing; hasOwn keeps `constructor` and friends missing too.
    if (!isPlainObject(current) || !Object.hasOwn(current, segment)) return null;
    current = current[segment];
  }
  if (!nonScalar(current)) return current as Scalar;
  // sortableOnly keeps such records out of the page: the caller passed a record of another query.
  throw new Error(`cursorAfter: record ${id} holds no scalar at ${segments.join('.')}, so it cannot be on this sorted page`);
}

/**
 * The records after (value, id) in the order `{field: direction, _id: direction}`, over the kept
 * brackets null/missing < number < string < bool. Ascending, an $or of:
 * - `field > value`: same type only, as MongoDB brackets comparisons by type (skipped after null);
 * - `field == value and _id > id`: the tie, `$eq: null` also matching missing;
 * - `field` of any later type, by `$type`: after null all of number, string, bool; after a number,
 *   string and bool; after a string, bool; nothing after a bool.
 * Descending mirrors it: `field < value`, the tie with `_id < id`, `$type` of the earlier non-null
 * types, and `field == null` (null or missing) after any non-null value. Each clause is a range of
 * an index on {field: 1, _id: 1}.
 */
function continuationAfter(field: string, direction: 1 | -1, { value, id }: After): MongoFilter {
  // BRACKET_TYPES[k] is bracket k + 1; null is bracket 0.
  const bracket = value === null ? 0 : typeof value === 'number' ? 1 : typeof value === 'string' ? 2 : 3;
  const clauses: MongoFilter[] = [];
  if (direction === 1) {
    if (value !== null) clauses.push({ [field]: { $gt: value } });
    clauses.push({ [field]: { $eq: value }, _id: { $gt: id } });
    const later = BRACKET_TYPES.slice(bracket);
    if (later.length > 0) clauses.push({ [field]: { $type: later } });
  } else {
    if (value !== null) clauses.push({ [field]: { $lt: value } });
    clauses.push({ [field]: { $eq: value }, _id: { $lt: id } });
    const earlier = BRACKET_TYPES.slice(0, Math.max(0, bracket - 1));
    if (earlier.length > 0) clauses.push({ [field]: { $type: earlier } });
    if (value !== null) clauses.push({ [field]: { $eq: null } });
  }
  return { $or: clauses };
}
