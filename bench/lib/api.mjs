// Calls to the running service, for the benches that drive it through its API.
import { randomBytes } from 'node:crypto';

/**
 * `call(method, path, {token, body})`: one JSON request to the service at `baseUrl`, answering
 * `{status, body}` (body null when empty). `callExpecting(method, path, {token, body, expect})`:
 * the same, answering the body and failing the bench on any status but `expect`. `newOrg(label)`:
 * a new organization named `<label> <n> <random>` created through POST /org/create, with its
 * owner's (an admin's) token.
 */
export function serviceApi(baseUrl) {
  const call = async (method, path, { token, body } = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const callExpecting = async (method, path, { expect, ...options }) => {
    const { status, body } = await call(method, path, options);
    if (status !== expect) throw new Error(`${method} ${path}: expected ${expect}, got ${status}: ${JSON.stringify(body)}`);
    return body;
  };
  let orgCounter = 0;
  const newOrg = async (label) => {
    orgCounter += 1;
    const input = {
      organization_name: `${label} ${orgCounter} ${randomBytes(3).toString('hex')}`,
      email: `b${orgCounter}-${randomBytes(3).toString('hex')}@bench.example`,
      password: 'bench-Passphrase-42',
    };
    const created = await call('POST', '/org/create', { body: input });
    if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
    const login = await call('POST', '/admin/login', { body: { email: input.email, password: input.password } });
    if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
    return { org: created.body, token: login.body.access_token };
  };
  return { call, callExpecting, newOrg };
}

/** GET /org/get's path for one organization name. */
export const orgGetPath = (name) => `/org/get?organization_name=${encodeURIComponent(name)}`;

/** Unlabelled series of a /metrics scrape of the service at `baseUrl`, by name. */
export async function scrapeMetrics(baseUrl) {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const values = {};
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)$/.exec(line);
    if (match) values[match[1]] = Number(match[2]);
  }
  return values;
}
