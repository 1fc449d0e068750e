import type { OpenAPIObject } from '@nestjs/swagger';
import { ApiMinProperties, documentValidationRules } from './validation-rules.js';

@ApiMinProperties(1)
class PatchDto {}

function documentWith(schemas: Record<string, object>): OpenAPIObject {
  return { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: {}, components: { schemas } };
}

describe('documentValidationRules', () => {
  it('closes object schemas, nested ones included, as forbidNonWhitelisted does', () => {
    const document = documentValidationRules(
      documentWith({
        LoginDto: {
          type: 'object',
          properties: { email: { type: 'string' }, nested: { type: 'object', properties: { a: { type: 'string' } } } },
        },
      }),
    );
    const schema = document.components!.schemas!.LoginDto as Record<string, any>;
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.nested.additionalProperties).toBe(false);
  });

  it('keeps a schema that declares its own additionalProperties open', () => {
    const document = documentValidationRules(
      documentWith({ RecordViewDto: { type: 'object', properties: { data: { type: 'object', additionalProperties: true } } } }),
    );
    const schema = document.components!.schemas!.RecordViewDto as Record<string, any>;
    expect(schema.properties.data.additionalProperties).toBe(true);
  });

  it('applies ApiMinProperties to the schema of the decorated class', () => {
    const document = documentValidationRules(
      documentWith({
        [PatchDto.name]: { type: 'object', properties: { a: { type: 'string' } } },
        OtherDto: { type: 'object', properties: {} },
      }),
    );
    expect((document.components!.schemas![PatchDto.name] as Record<string, unknown>).minProperties).toBe(1);
    expect((document.components!.schemas!.OtherDto as Record<string, unknown>).minProperties).toBeUndefined();
  });
});
