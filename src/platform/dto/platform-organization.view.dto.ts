import { ApiProperty } from '@nestjs/swagger';
import { OrganizationViewDto } from '../../organizations/dto/organization.view.dto.js';
import { QuotaDto, UsageDto } from '../../organizations/dto/quota.dto.js';

/** An organization as operators see it: the org view, its size in members and whether it is suspended. */
export class PlatformOrganizationViewDto extends OrganizationViewDto {
  /** Members (memberships) of the organization. */
  @ApiProperty({ type: 'integer', minimum: 0, example: 3 })
  member_count: number;
  /** While true, its members and API keys get 403 "Organization suspended" on its routes; its data is kept. */
  @ApiProperty({ example: false })
  suspended: boolean;
  /** When it was suspended; null while it is not. */
  @ApiProperty({ type: Date, nullable: true, example: null })
  suspended_at: Date | null;
}

/** One organization as GET /platform/organizations/:id shows it: also its quota and what its records use of it. */
export class PlatformOrganizationDetailDto extends PlatformOrganizationViewDto {
  quota: QuotaDto;
  /** Records and bytes of record data (as JSON) it holds. */
  usage: UsageDto;
}

export class PlatformOrganizationPageDto {
  items: PlatformOrganizationViewDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true, example: '6b0259ce55575609c46323ba' })
  next_cursor: string | null;
}
