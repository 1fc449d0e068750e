/** GET /: what this service is and where to read about it. */
export class ServiceInfoDto {
  /** The service's package name. */
  name: string;
  /** The service's version. */
  version: string;
  /** Swagger UI. */
  docs: string;
  /** ReDoc: the same document as a reference. */
  redoc: string;
  /** The OpenAPI document (JSON). */
  openapi: string;
  /** Liveness probe. */
  health: string;
}
