import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';

interface Series {
  requests: Counter.Internal;
  duration: Histogram.Internal<'method' | 'route' | 'status_code'>;
}

/** Label of requests that matched no route, so that raw URLs never become label values. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Request count and duration per method, route pattern (`/org/records/:id`, never the raw URL)
 * and status. Measured in Fastify's onResponse hook rather than a Nest interceptor, so that
 * responses decided before any handler runs (401 from the auth guard, 404, 413, 429) are counted.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  private readonly requests: Counter<'method' | 'route' | 'status_code'>;
  private readonly duration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly series = new Map<string, Series>();

  constructor(
    registry: Registry,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to finishing its response, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      const series = this.seriesOf(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode);
      series.requests.inc();
      series.duration.observe(reply.elapsedTime / 1000);
      done();
    });
  }

  /** The labelled series of one method, route pattern and status, looked up once (their number is bounded by the routes). */
  private seriesOf(method: string, route: string, statusCode: number): Series {
    const key = `${method} ${route} ${statusCode}`;
    // Performance choice (BENCHMARKS.md "What changed for these figures"): each labelled series is looked up once, then reused.
    let series = this.series.get(key);
    if (!series) {
      const labels = { method, route, status_code: String(statusCode) };
      series = { requests: this.requests.labels(labels), duration: this.duration.labels(labels) };
      this.series.set(key, series);
    }
    return series;
  }
}
