import type { Response } from 'supertest';
import { bearer } from '../support/fetch-client.js';
import { createOrgWithToken, useTestApp } from '../support/session.js';
import { TEST_OPERATOR_KEY } from '../support/test-app.js';

type Parameter = { name: string; in: string; schema?: { pattern?: string } };
type Operation = { parameters?: Parameter[]; requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown> };

/**
 * The refusals every operation documents for the same reasons, sent to every operation the
 * OpenAPI document lists: a path parameter that breaks its documented pattern (400), a JSON body
 * with a field the operation does not know (400), a body over the limit (413). Each is sent with a
 * credential the route accepts, so that it is the refusal under test that answers.
 */
describe('generic refusals, on every operation (e2e)', () => {
  // A small import limit, so that an over-limit import body is small too.
  const t = useTestApp({ IMPORT_MAX_BYTES: '1024' });
  let operations: { method: string; path: string; operation: Operation }[] = [];
  let ownerToken: string;

  beforeAll(async () => {
    ownerToken = (await createOrgWithToken(t)).token;
    const { body } = await t.http().get('/docs-json').expect(200);
    operations = Object.entries(body.paths as Record<string, Record<string, Operation>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ method, path, operation })),
    );
  });

  const send = (method: string, path: string): ReturnType<ReturnType<typeof t.http>['get']> => {
    const request = (t.http() as unknown as Record<string, (url: string) => ReturnType<ReturnType<typeof t.http>['get']>>)[method](path);
    const operator = path.startsWith('/platform/') || path === '/org/list';
    return request.set(bearer(operator ? TEST_OPERATOR_KEY : ownerToken));
  };
  const withParameters = (path: string, value: (parameter: Parameter) => string, parameters: Parameter[] = []) =>
    path.replace(/\{(\w+)\}/g, (_whole, name: string) => {
      const parameter = parameters.find((candidate) => candidate.name === name && candidate.in === 'path');
      return encodeURIComponent(parameter ? value(parameter) : 'x');
    });
  const validId = '6b0259ce55575609c46323ba';
  const outcome = (res: Response) => `${res.status} ${JSON.stringify(res.body?.message ?? '')}`;

  it('a path parameter breaking its documented pattern is 400, naming the parameter', async () => {
    const wrong: string[] = [];
    let probed = 0;
    for (const { method, path, operation } of operations) {
      const patterned = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path' && parameter.schema?.pattern);
      for (const target of patterned) {
        probed += 1;
        const url = withParameters(path, (parameter) => (parameter === target ? '!' : validId), operation.parameters);
        const res = await send(method, url).send(operation.requestBody ? {} : undefined);
        if (res.status !== 400 || !String(res.body.message).includes(target.name))
          wrong.push(`${method.toUpperCase()} ${path} (${target.name}): ${outcome(res)}`);
      }
    }
    expect(probed).toBeGreaterThan(10);
    expect(wrong).toEqual([]);
  });

  it('a JSON body with a field the operation does not know is 400, naming the field', async () => {
    const wrong: string[] = [];
    let probed = 0;
    for (const { method, path, operation } of operations) {
      if (!operation.requestBody?.content['application/json']) continue;
      // The record body is any JSON object of the caller's: no field is unknown to it.
      if (/^\/org\/records(\/\{id\})?$/.test(path)) continue;
      probed += 1;
      const res = await send(
        method,
        withParameters(path, () => validId, operation.parameters),
      ).send({ unexpected_field: 1 });
      if (res.status !== 400 || !String(res.body.message).includes('unexpected_field'))
        wrong.push(`${method.toUpperCase()} ${path}: ${outcome(res)}`);
    }
    expect(probed).toBeGreaterThan(10);
    expect(wrong).toEqual([]);
  });

  it('a body over the limit is 413 on every operation that documents it', async () => {
    const wrong: string[] = [];
    let probed = 0;
    for (const { method, path, operation } of operations) {
      if (!('413' in operation.responses)) continue;
      probed += 1;
      const type = Object.keys(operation.requestBody?.content ?? { 'application/json': {} })[0];
      const body = type === 'application/json' ? JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024) }) : 'x'.repeat(4096);
      const res = await send(
        method,
        withParameters(path, () => validId, operation.parameters),
      )
        .set('content-type', type)
        .send(body);
      if (res.status !== 413) wrong.push(`${method.toUpperCase()} ${path}: ${outcome(res)}`);
    }
    expect(probed).toBeGreaterThan(10);
    expect(wrong).toEqual([]);
  });
});
