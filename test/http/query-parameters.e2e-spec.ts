import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { expectError } from '../support/expect-error.js';
import { registeredRoutes } from '../support/routes.js';
import { createOrgWithToken, type OrgWithToken, useTestApp } from '../support/session.js';
import { TEST_OPERATOR_KEY } from '../support/test-app.js';

type Json = Record<string, any>;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
const METHODS: Method[] = ['get', 'post', 'put', 'patch', 'delete'];
const SOME_ID = '507f1f77bcf86cd799439011';

interface QueryParameter {
  method: Method;
  /** The document's path, `{id}` placeholders and all. */
  path: string;
  name: string;
  /** A value the parameter takes: its example, as Swagger UI would fill it in. */
  value: string;
  operator: boolean;
}

/** Every query parameter of every operation of the document, with a value it takes. */
function queryParametersOf(document: Json): QueryParameter[] {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).flatMap((method) => {
      const operation = item[method] as Json;
      const operator = (operation.security as Json[]).some((scheme) => 'operator' in scheme);
      return ((operation.parameters ?? []) as Json[])
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => ({ method, path, name: parameter.name as string, value: exampleOf(parameter), operator }));
    }),
  );
}

function exampleOf(parameter: Json): string {
  const named = Object.values((parameter.examples ?? {}) as Json).find((example) => example.value !== undefined)?.value;
  const value = named ?? parameter.example ?? parameter.schema?.example ?? 'x';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Every route that reads the query string, derived from the OpenAPI document (so a new route with a
 * query is covered without a new row), with each documented parameter repeated (`?a=1&a=2`, which
 * Fastify's parser turns into an array) or bracketed (`?a[]=1`, `?a[x]=1`, `?a[$ne]=1`, objects for
 * parsers that expand them): a clear 400 naming the parameter, never a 500, and nothing changed.
 */
describe('repeated and bracketed query parameters (e2e)', () => {
  const t = useTestApp();
  let owner: OrgWithToken;
  let parameters: QueryParameter[];

  beforeAll(async () => {
    owner = await createOrgWithToken(t);
    parameters = queryParametersOf((await t.http().get('/docs-json').expect(200)).body);
  });

  const send = (parameter: QueryParameter, query: string) => {
    const url = `${parameter.path.replace(/\{[^}]+\}/g, SOME_ID)}?${query}`;
    return t.withToken(parameter.operator ? TEST_OPERATOR_KEY : owner.token)[parameter.method](url);
  };

  it('documents a query parameter for every route whose handler reads the query', () => {
    const documented = new Set(parameters.map(({ method, path }) => `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`));
    const readers = registeredRoutes(t.app)
      .filter(({ controller, handlerName }) => {
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handlerName) ?? {}) as Record<string, unknown>;
        return Object.keys(args).some((key) => Number(key.split(':')[0]) === Number(RouteParamtypes.QUERY));
      })
      .map(({ route }) => route);
    expect(readers.length).toBeGreaterThan(5);
    expect(readers.filter((route) => !documented.has(route))).toEqual([]);
    // The routes that read it through a decorator of their own are in the document too.
    expect([...documented]).toEqual(expect.arrayContaining(['GET /org/get', 'DELETE /org/delete', 'GET /org/records']));
  });

  it('sends each form of each documented query parameter and gets a 400 naming it', async () => {
    expect(parameters.length).toBeGreaterThan(20);
    const answers: { request: string; status: number; message: string }[] = [];
    const expected: { request: string; status: number; message: unknown }[] = [];
    for (const parameter of parameters) {
      const { name, value } = parameter;
      const encoded = encodeURIComponent(value);
      for (const query of [
        `${name}=${encoded}&${name}=${encoded}`,
        `${name}=${encoded}&${name}=${encodeURIComponent(`${value}2`)}`,
        `${name}[]=${encoded}`,
        `${name}[]=${encoded}&${name}[]=${encoded}`,
        `${name}[x]=${encoded}`,
        `${name}[$ne]=${encoded}`,
      ]) {
        const response = await send(parameter, query);
        const request = `${parameter.method.toUpperCase()} ${parameter.path}?${query}`;
        const message = String((response.body as { message?: unknown }).message);
        answers.push({ request, status: response.status, message });
        expected.push({ request, status: 400, message: expect.stringContaining(name) });
      }
    }
    expect(answers).toEqual(expected);
  });

  it('answers one of them in the error shape (a sample)', async () => {
    expectError(await t.http().get('/org/get?organization_name=a&organization_name=b'), 400, 'organization_name must be a string');
    expectError(await t.withToken(owner.token).get('/org/members?limit=1&limit=2'), 400, 'limit must be an integer number');
  });

  it('changed nothing: the organization is still there', async () => {
    await t.http().get('/org/get').query({ organization_name: owner.input.organization_name }).expect(200);
  });
});
