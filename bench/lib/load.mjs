// Load generation (autocannon, in process) and the statistics the report shows.
import autocannon from 'autocannon';
import http from 'node:http';

/**
 * One timed run against one URL. Throughput counts only the expected answers (2xx, or
 * `expectStatus` for a scenario that measures a refusal); any other answer is reported, because a
 * run that drew them measured another path than the scenario's. `tolerate` ({status, atMost}):
 * up to that many answers of that status are part of the scenario (the requests a rate limit lets
 * through), counted as `tolerated`; more of them are unexpected.
 */
export async function runLoad({ url, method = 'GET', headers = {}, body, connections, seconds, expectStatus, tolerate }) {
  const result = await autocannon({
    url,
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    connections,
    duration: seconds,
  });
  const ok = Object.entries(result.statusCodeStats ?? {})
    .filter(([status]) => (expectStatus === undefined ? status.startsWith('2') : Number(status) === expectStatus))
    .reduce((sum, [, { count }]) => sum + Number(count), 0);
  const others = Object.entries(result.statusCodeStats ?? {})
    .filter(([status]) => (expectStatus === undefined ? !status.startsWith('2') : Number(status) !== expectStatus))
    .reduce((sum, [, { count }]) => sum + Number(count), 0);
  const tolerated = tolerate ? Math.min(tolerate.atMost, Number(result.statusCodeStats?.[tolerate.status]?.count ?? 0)) : undefined;
  return {
    requests: ok,
    perSecond: ok / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    /** All answers, expected or not. */
    responses: Object.values(result.statusCodeStats ?? {}).reduce((sum, { count }) => sum + Number(count), 0),
    unexpected: others - (tolerated ?? 0),
    ...(tolerated === undefined ? {} : { tolerated }),
    errors: result.errors,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [status, Number(count)])),
  };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The value at `fraction` of a sorted list (nearest rank). */
export function percentile(sorted, fraction) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

/** Median with its spread (lowest and highest run). */
export function summarize(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values };
}

/**
 * Unloaded latency of `once` (an async call answering true on success): one call at a time for
 * `seconds`, each timed with a high-resolution clock (autocannon's histogram keeps whole
 * milliseconds only).
 */
export async function measureLatency({ seconds, once }) {
  const samples = [];
  let failures = 0;
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const started = performance.now();
    if (await once()) samples.push(performance.now() - started);
    else failures += 1;
  }
  samples.sort((a, b) => a - b);
  const at = (fraction) => samples[Math.min(samples.length - 1, Math.floor(fraction * samples.length))];
  return { requests: samples.length, failures, p50Ms: at(0.5), p99Ms: at(0.99) };
}

/** A GET over one keep-alive connection, for measureLatency; answers true on 200. */
export function httpGetter(url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise((resolve, reject) => {
      http
        .get(url, { agent }, (response) => {
          response.resume();
          response.once('end', () => resolve(response.statusCode === 200));
        })
        .once('error', reject);
    });
  return { once, close: () => agent.destroy() };
}

/**
 * POST `path` as fast as `connections` allow for `seconds`, each request with its own body from
 * `bodyOf(n)` (unique names and emails for a create flood); answers counted by status.
 */
export async function runFlood({ url, path, bodyOf, connections, seconds }) {
  let sent = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: JSON.stringify(bodyOf((sent += 1))) }),
      },
    ],
  });
  return {
    requests: Object.values(result.statusCodeStats ?? {}).reduce((sum, { count }) => sum + Number(count), 0),
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [status, Number(count)])),
    errors: result.errors,
  };
}
