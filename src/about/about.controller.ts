import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/access/public.decorator.js';
import { ServiceInfoDto } from './dto/service-info.dto.js';
import { DOCS_PATH, HEALTH_PATH, OPENAPI_PATH, SERVICE_NAME, SERVICE_VERSION } from './service-info.js';

@ApiTags('service')
@Controller()
export class AboutController {
  /** Name, version and links to the API documentation and the health check. */
  @Get()
  @Public()
  @ApiOperation({ operationId: 'getServiceInfo' })
  @ApiOkResponse({ type: ServiceInfoDto, description: 'The service and its links' })
  info(): ServiceInfoDto {
    return { name: SERVICE_NAME, version: SERVICE_VERSION, docs: DOCS_PATH, openapi: OPENAPI_PATH, health: HEALTH_PATH };
  }
}
