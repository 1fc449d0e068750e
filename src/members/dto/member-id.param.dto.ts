import { ApiProperty } from '@nestjs/swagger';
import { IsMongoId } from 'class-validator';

export class MemberIdParamDto {
  /** 24-character hex member id. */
  @ApiProperty({ pattern: '^[0-9a-fA-F]{24}$' })
  @IsMongoId({ message: 'id must be a 24-character hex id' })
  id: string;
}
