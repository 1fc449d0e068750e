import { Transform } from 'class-transformer';
import { IsString, MaxLength } from 'class-validator';
import { Omittable } from './omittable.js';
import { trimString } from './trim-string.js';

export class OrganizationNameQuery {
  @Transform(trimString)
  @IsString()
  @MaxLength(100)
  organization_name: string;
}

/** DELETE /org/delete takes the name in the query string or in a JSON body. */
export class OptionalOrganizationNameDto {
  @Omittable()
  @Transform(trimString)
  @IsString()
  @MaxLength(100)
  organization_name?: string;
}
