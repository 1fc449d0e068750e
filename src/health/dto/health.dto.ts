import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';

/** GET /health: the process is up. */
export class LivenessDto {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';
}

/** One checked dependency, as @nestjs/terminus reports it. */
export class HealthIndicatorDto {
  @ApiProperty({ enum: ['up', 'down'], enumName: 'HealthIndicatorStatus' })
  status: 'up' | 'down';
  /** How long the check took, in milliseconds. */
  @ApiPropertyOptional({ type: 'integer' })
  responseTime?: number;
  /** Set when terminus answered from its cache instead of checking again. */
  cachedResponse?: boolean;
}

/** A tenant cluster as readiness sees it. */
export class ClusterStateDto {
  /** It answered a ping within a second. */
  reachable: boolean;
}

const INDICATORS = { type: 'object', additionalProperties: { $ref: getSchemaPath(HealthIndicatorDto) } } as const;

/** GET /health/ready when every dependency answered (otherwise the answer is a 503 error). */
@ApiExtraModels(HealthIndicatorDto, ClusterStateDto)
export class ReadinessDto {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';
  /** The dependencies that are up, by name (`database`). */
  @ApiPropertyOptional(INDICATORS)
  info?: Record<string, HealthIndicatorDto>;
  /** The dependencies that are down: empty in a 200. */
  @ApiPropertyOptional(INDICATORS)
  error?: Record<string, HealthIndicatorDto>;
  /** Every dependency, by name. */
  @ApiProperty(INDICATORS)
  details: Record<string, HealthIndicatorDto>;
  /** Each tenant cluster (TENANT_CLUSTERS), by name. Reported only: a cluster that is down does not make the instance unready. */
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(ClusterStateDto) } })
  clusters: Record<string, ClusterStateDto>;
}
