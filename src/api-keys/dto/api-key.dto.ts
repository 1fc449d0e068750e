import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEnum, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { MemberRole } from '../../common/access/member-role.js';
import { Omittable } from '../../common/validation/omittable.js';
import { trimWithin } from '../../common/validation/trim-string.js';

export const API_KEY_NAME_MAX_LENGTH = 100;
/** A key lives at least a minute and at most five years; without `expires_in` it does not expire. */
export const API_KEY_MIN_LIFETIME_SECONDS = 60;
export const API_KEY_MAX_LIFETIME_SECONDS = 5 * 365 * 86_400;

export class CreateApiKeyDto {
  /** What the key is for, shown in the list and the audit log: 1-100 characters, trimmed. */
  @ApiProperty({ example: 'CI deploy pipeline', minLength: 1, maxLength: API_KEY_NAME_MAX_LENGTH })
  @Transform(trimWithin(API_KEY_NAME_MAX_LENGTH))
  @IsString()
  @MaxLength(API_KEY_NAME_MAX_LENGTH)
  @Matches(/\S/, { message: 'name must not be empty' })
  name: string;

  /** The role the key acts with: viewer, member or admin, and not above the caller's own. `owner` is refused (403). */
  @ApiProperty({ enum: MemberRole, enumName: 'MemberRole', example: MemberRole.Member })
  @IsEnum(MemberRole, { message: 'role must be one of viewer, member, admin' })
  role: MemberRole;

  /** Seconds until the key expires (60 to 157680000, five years); leave it out for a key that does not expire. */
  @ApiPropertyOptional({
    type: 'integer',
    example: 7_776_000,
    minimum: API_KEY_MIN_LIFETIME_SECONDS,
    maximum: API_KEY_MAX_LIFETIME_SECONDS,
  })
  @Omittable()
  @IsInt({ message: 'expires_in must be a whole number of seconds' })
  @Min(API_KEY_MIN_LIFETIME_SECONDS, { message: `expires_in must be at least ${API_KEY_MIN_LIFETIME_SECONDS} seconds` })
  @Max(API_KEY_MAX_LIFETIME_SECONDS, { message: `expires_in must be at most ${API_KEY_MAX_LIFETIME_SECONDS} seconds (five years)` })
  expires_in?: number;
}
