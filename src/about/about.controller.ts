import { Controller, Get, HttpCode, HttpStatus } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/access/public.decorator.js';
import { ServiceInfoDto } from './dto/service-info.dto.js';
import { DOCS_PATH, HEALTH_PATH, OPENAPI_PATH, REDOC_PATH, SERVICE_NAME, SERVICE_VERSION } from './service-info.js';

@ApiTags('service')
@Controller()
export class AboutController {
  /** Name, version and links to the API documentation and the health check. */
  @Get()
  @Public()
  @ApiOperation({ operationId: 'getServiceInfo' })
  @ApiOkResponse({ type: ServiceInfoDto, description: 'The service and its links' })
  info(): ServiceInfoDto {
    return { name: SERVICE_NAME, version: SERVICE_VERSION, docs: DOCS_PATH, redoc: REDOC_PATH, openapi: OPENAPI_PATH, health: HEALTH_PATH };
  }

  /** Browsers ask every site for one: an empty answer instead of a 404 in their console and the logs. */
  @Get('favicon.ico')
  @Public()
  @ApiExcludeEndpoint()
  @HttpCode(HttpStatus.NO_CONTENT)
  favicon(): void {}
}
