import { ApiProperty } from '@nestjs/swagger';
import { PLACEMENT_MODES } from '../../config/environment.js';
import type { PlacementMode } from '../../tenants/placement.js';

/** Where an organization's documents live (see README "Choosing a placement"). */
export class PlacementDto {
  @ApiProperty({ enum: PLACEMENT_MODES, enumName: 'PlacementMode', example: 'collection' })
  mode: PlacementMode;
  /** A cluster of TENANT_CLUSTERS. */
  @ApiProperty({ example: 'default' })
  cluster: string;
  @ApiProperty({ example: 'tenant_db' })
  database: string;
  @ApiProperty({ example: 'org_acme_corp' })
  collection: string;
}
