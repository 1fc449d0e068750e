import { QuotaDto } from './quota.dto.js';
import { ApiProperty } from '@nestjs/swagger';
import { OrganizationStatus } from '../persistence/organization.schema.js';
import { PlacementDto } from './placement.dto.js';

/** An organization as clients see it: no credentials, no internal state. */
export class OrganizationViewDto {
  @ApiProperty({ example: '6b0259ce55575609c46323ba' })
  id: string;
  @ApiProperty({ example: 'Acme Corp' })
  organization_name: string;
  @ApiProperty({ example: 'acme_corp' })
  slug: string;
  /** The tenant collection that holds the organization's data. */
  @ApiProperty({ example: 'org_acme_corp' })
  collection_name: string;
  @ApiProperty({ enum: OrganizationStatus, enumName: 'OrganizationStatus' })
  status: OrganizationStatus;
  placement: PlacementDto;
  @ApiProperty({ example: '2026-03-02T09:15:27.481Z' })
  created_at: Date;
  @ApiProperty({ example: '2026-03-02T09:15:27.481Z' })
  updated_at: Date;
}

export class AdminViewDto {
  id: string;
  email: string;
}

export class CreatedOrganizationDto extends OrganizationViewDto {
  admin: AdminViewDto;
}

export class OrganizationPageDto {
  items: OrganizationViewDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export class UpdatedOrganizationDto {
  message: string;
  organization: OrganizationViewDto;
  previous_collection: string;
  current_collection: string;
  @ApiProperty({ type: 'integer' })
  documents_migrated: number;
  /** A fresh token for the caller (null for an API key): tokens issued before an email or password change stop working. */
  @ApiProperty({ type: String, nullable: true })
  access_token: string | null;
}

export class DeletedOrganizationDto {
  message: string;
  organization_name: string;
  @ApiProperty({ type: 'integer' })
  documents_deleted: number;
}

export class CollectionStatsDto {
  collection_name: string;
  @ApiProperty({ type: 'integer' })
  documents: number;
  @ApiProperty({ type: 'integer' })
  size_bytes: number;
  /** Number of indexes on the collection. */
  @ApiProperty({ type: 'integer' })
  indexes: number;
  /** The organization's quota in effect. */
  quota: QuotaDto;
}
