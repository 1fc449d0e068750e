import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, MongooseHealthIndicator } from '@nestjs/terminus';
import { Public } from '../common/access/public.decorator.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { TenantClusters } from '../tenants/clusters/tenant-clusters.service.js';
import { ClusterStateDto, LivenessDto, ReadinessDto } from './dto/health.dto.js';
import { NotReadyError } from './not-ready.error.js';

const READINESS_TIMEOUT_MS = 1000;

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mongoose: MongooseHealthIndicator,
    private readonly tenantClusters: TenantClusters,
  ) {}

  private async clusterStates(): Promise<Record<string, ClusterStateDto>> {
    const names = this.tenantClusters.names();
    const reachable = await Promise.all(names.map((name) => this.tenantClusters.reachable(name, READINESS_TIMEOUT_MS)));
    return Object.fromEntries(names.map((name, index) => [name, { reachable: reachable[index] }]));
  }

  /** Liveness: the process is up and serving. Does not touch the database. */
  @Get()
  @ApiOperation({ operationId: 'getLiveness' })
  @ApiOkResponse({ type: LivenessDto, description: 'The process is up' })
  live(): LivenessDto {
    return { status: 'ok' };
  }

  /** Readiness: the master database answers a ping within a second; each tenant cluster's state is listed under `clusters`. */
  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ operationId: 'getReadiness' })
  @ApiOkResponse({ type: ReadinessDto, description: 'The master database answered (tenant clusters may be down: see `clusters`)' })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'A check failed; the message names it (e.g. "Not ready: database failed") and Retry-After says when to ask again.',
  })
  async ready(): Promise<HealthCheckResult & { clusters: Record<string, ClusterStateDto> }> {
    // Tenant clusters are reported, not required: one cluster down must not take every instance
    // out of its load balancer, as its organizations get 503 and everyone else is still served.
    const clusters = this.clusterStates();
    try {
      const result = await this.health.check([() => this.mongoose.pingCheck('database', { timeout: READINESS_TIMEOUT_MS })]);
      return { ...result, clusters: await clusters };
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as Partial<HealthCheckResult>;
      throw new NotReadyError(Object.keys(result.error ?? {}));
    }
  }
}
