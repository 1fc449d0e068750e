import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, MongooseHealthIndicator } from '@nestjs/terminus';
import { Public } from '../common/access/public.decorator.js';
import { ErrorResponseDto } from '../common/filters/error-response.dto.js';
import { LivenessDto, ReadinessDto } from './dto/health.dto.js';
import { NotReadyError } from './not-ready.error.js';

const READINESS_TIMEOUT_MS = 1000;

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly mongoose: MongooseHealthIndicator,
  ) {}

  /** Liveness: the process is up and serving. Does not touch the database. */
  @Get()
  @ApiOperation({ operationId: 'getLiveness' })
  @ApiOkResponse({ type: LivenessDto, description: 'The process is up' })
  live(): LivenessDto {
    return { status: 'ok' };
  }

  /** Readiness: the database answers a ping within a second. */
  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ operationId: 'getReadiness' })
  @ApiOkResponse({ type: ReadinessDto, description: 'The database answered' })
  @ApiServiceUnavailableResponse({
    type: ErrorResponseDto,
    description: 'A check failed; the message names it (e.g. "Not ready: database failed") and Retry-After says when to ask again.',
  })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.mongoose.pingCheck('database', { timeout: READINESS_TIMEOUT_MS })]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as Partial<HealthCheckResult>;
      throw new NotReadyError(Object.keys(result.error ?? {}));
    }
  }
}
