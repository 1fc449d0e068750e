import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { CreateOrganizationDto } from '../../organizations/dto/create-organization.dto.js';
import { UpdateOrganizationDto } from '../../organizations/dto/update-organization.dto.js';
import { RecordBatchDto } from '../../records/dto/record-batch.dto.js';
import { InvalidInputError } from '../errors/domain.error.js';
import { PageQuery } from '../paging/page.query.js';
import { createValidationPipe } from './validation-errors.js';

class StackedDto {
  // Stacked decorators register bottom-up: Max, Min, Matches and MaxLength run before the type rule.
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsString()
  @MaxLength(5)
  @Matches(/^[a-z]+$/, { message: 'code must be lower-case letters' })
  code: string;
}

const pipe = createValidationPipe();

async function messageOf(metatype: new () => object, value: unknown, type: 'body' | 'query' = 'body'): Promise<string> {
  try {
    await pipe.transform(value, { type, metatype });
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('the value passed validation');
}

describe('the global validation pipe: one message per field problem', () => {
  it('names a wrong type once, not every rule the value fails because of it', async () => {
    await expect(messageOf(CreateOrganizationDto, { organization_name: 123 })).resolves.toBe('organization_name must be a string');
    await expect(messageOf(StackedDto, { code: 7 })).resolves.toBe('code must be a string');
    await expect(messageOf(StackedDto, { code: 'abc', limit: 'many' })).resolves.toBe('limit must be an integer number');
    await expect(messageOf(CreateOrganizationDto, { organization_name: 'Acme Corp', email: 42 })).resolves.toBe('email must be an email');
  });

  it('says "is required" for a required field left out, and nothing for an optional one', async () => {
    await expect(messageOf(CreateOrganizationDto, {})).resolves.toBe('organization_name is required');
    await expect(messageOf(RecordBatchDto, {})).resolves.toBe('records is required');
    await expect(messageOf(StackedDto, { limit: 5 })).resolves.toBe('code is required');
  });

  it('refuses null in an optional field by its type rule, not as missing', async () => {
    await expect(messageOf(UpdateOrganizationDto, { organization_name: null })).resolves.toBe('organization_name must be a string');
  });

  it("names a value's actual problem when its type is right", async () => {
    await expect(messageOf(CreateOrganizationDto, { organization_name: 'x'.repeat(101) })).resolves.toBe(
      'organization_name must be shorter than or equal to 100 characters',
    );
    await expect(messageOf(StackedDto, { code: 'ABC' })).resolves.toBe('code must be lower-case letters');
    await expect(messageOf(PageQuery, { limit: '0' }, 'query')).resolves.toBe('limit must not be less than 1');
    await expect(messageOf(RecordBatchDto, { records: [] })).resolves.toBe('records must contain at least 1 elements');
    await expect(messageOf(RecordBatchDto, { records: 'all of them' })).resolves.toBe('records must be an array');
  });

  it('gives one message per field, in the order of the fields, and names unknown fields', async () => {
    await expect(messageOf(StackedDto, { limit: 'x', code: 9 })).resolves.toBe('limit must be an integer number; code must be a string');
    await expect(messageOf(CreateOrganizationDto, { organization_name: 'Acme Corp', plan: 'gold' })).resolves.toBe(
      'property plan should not exist',
    );
  });

  it('words a repeated query parameter as a wrong type of that parameter', async () => {
    await expect(messageOf(PageQuery, { cursor: ['a', 'b'] }, 'query')).resolves.toBe('cursor must be a string');
    await expect(messageOf(PageQuery, { limit: ['1', '2'] }, 'query')).resolves.toBe('limit must be an integer number');
  });
});
