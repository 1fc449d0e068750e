import { Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

export type LifecycleOperation = 'create' | 'rename' | 'delete';

const OPERATIONS: LifecycleOperation[] = ['create', 'rename', 'delete'];
const OUTCOMES = ['success', 'failure'] as const;

/** Organization create, rename and delete operations by outcome. */
@Injectable()
export class LifecycleMetrics {
  private readonly operations: Counter<'operation' | 'outcome'>;

  constructor(registry: Registry) {
    this.operations = new Counter({
      name: 'organization_lifecycle_operations_total',
      help: 'Organization lifecycle operations started by requests, by operation and outcome (failure: it threw).',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    });
    // Every series exists from the start, so a rate over it is defined before the first failure.
    for (const operation of OPERATIONS) for (const outcome of OUTCOMES) this.operations.inc({ operation, outcome }, 0);
  }

  /** Runs the operation and counts it as a success or, if it throws, a failure. */
  async observe<T>(operation: LifecycleOperation, run: () => Promise<T>): Promise<T> {
    let outcome: (typeof OUTCOMES)[number] = 'failure';
    try {
      const result = await run();
      outcome = 'success';
      return result;
    } finally {
      this.operations.inc({ operation, outcome });
    }
  }
}

/** What a class needs to use @CountedLifecycleOperation on its methods. */
export interface ReportsLifecycleOperations {
  readonly lifecycleMetrics: LifecycleMetrics;
}

/** Counts each call of the decorated async method by outcome, through the instance's LifecycleMetrics. */
export function CountedLifecycleOperation(operation: LifecycleOperation) {
  return <A extends unknown[], R>(
    _target: ReportsLifecycleOperations,
    _key: string | symbol,
    descriptor: TypedPropertyDescriptor<(...args: A) => Promise<R>>,
  ): void => {
    const method = descriptor.value as (...args: A) => Promise<R>;
    descriptor.value = function (this: ReportsLifecycleOperations, ...args: A): Promise<R> {
      return this.lifecycleMetrics.observe(operation, () => method.apply(this, args));
    };
  };
}
