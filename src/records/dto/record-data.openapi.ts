import type { OpenAPIObject } from '@nestjs/swagger';
import { RECORD_MAX_BYTES, RECORD_MAX_DEPTH } from '../record-limits.js';

/** The body of POST /org/records and PUT /org/records/{id}, named once in the document. */
export const RECORD_DATA = 'RecordData';

type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];

export const RECORD_DATA_SCHEMA: SchemaObject = {
  type: 'object',
  additionalProperties: true,
  description:
    `Any JSON object up to ${RECORD_MAX_BYTES / 1024} KiB and ${RECORD_MAX_DEPTH} levels deep; ` +
    'keys may not start with $ or contain a dot, and arrays may not directly contain arrays.',
  example: { sku: 'A-1', qty: 3 },
};
