import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Matches } from 'class-validator';
import { Omittable } from '../../common/validation/omittable.js';
import { PLACEMENT_MODES } from '../../config/environment.js';
import { PlacementDto } from '../../organizations/dto/placement.dto.js';
import { MovePhase } from '../../organizations/persistence/organization.schema.js';
import type { PlacementMode } from '../../tenants/placement.js';

export class ChangePlacementDto {
  /** `collection` (its own collection), `shared` (the cluster's shared collection) or `database` (a database of its own). */
  @ApiProperty({ enum: PLACEMENT_MODES, enumName: 'PlacementMode', example: 'shared' })
  @IsIn(PLACEMENT_MODES, { message: `mode must be one of ${PLACEMENT_MODES.join(', ')}` })
  mode: PlacementMode;

  /** A cluster of TENANT_CLUSTERS; leave it out to stay on the organization's current cluster. */
  @ApiPropertyOptional({ example: 'default' })
  @Omittable()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'cluster must be the name of a configured cluster' })
  cluster?: string;
}

/** A move of an organization's data between placements. */
export class MoveViewDto {
  @ApiProperty({ example: '6b0259ce55575609c46323d1' })
  id: string;
  @ApiProperty({ example: '6b0259ce55575609c46323ba' })
  org_id: string;
  from: PlacementDto;
  to: PlacementDto;
  /** copying, catching_up, cutover, cleaning_up, then done; failed or rolled_back when it could not finish (the source stays live). */
  @ApiProperty({ enum: MovePhase, enumName: 'MovePhase' })
  phase: MovePhase;
  @ApiProperty({ type: 'integer', example: 12000 })
  documents_copied: number;
  started_at: Date;
  @ApiProperty({ type: Date, nullable: true })
  finished_at: Date | null;
  /** How long writes were refused (409) during the cutover; null until the cutover ends. */
  @ApiProperty({ type: 'integer', nullable: true, example: 140 })
  write_freeze_ms: number | null;
  /** Why the move failed, when it did. */
  @ApiPropertyOptional()
  error?: string;
}

export class ClusterOrganizationsDto {
  @ApiProperty({ type: 'integer' })
  shared: number;
  @ApiProperty({ type: 'integer' })
  collection: number;
  @ApiProperty({ type: 'integer' })
  database: number;
}

/** One tenant cluster: whether it answers, what it holds and its collection budget. */
export class ClusterReportDto {
  @ApiProperty({ example: 'default' })
  name: string;
  reachable: boolean;
  /** Organizations per mode on the cluster; null when they could not be counted within 2 s (FerretDB counts by reading every organization). */
  @ApiProperty({ type: ClusterOrganizationsDto, nullable: true })
  organizations: ClusterOrganizationsDto | null;
  /** Collections of its tenant databases; null while it cannot be reached. */
  @ApiProperty({ type: 'integer', nullable: true })
  collections: number | null;
  /** Indexes of its tenant databases; null while it cannot be reached. */
  @ApiProperty({ type: 'integer', nullable: true })
  indexes: number | null;
  /** TENANT_COLLECTION_BUDGET: collections plus indexes before new `collection`-mode organizations go `shared`. */
  @ApiProperty({ type: 'integer', example: 10000 })
  budget: number;
}

/**
 * States the clusters this instance is configured with (TENANT_CLUSTERS) as the `cluster` enum of
 * ChangePlacementDto, so that clients and generated tests see exactly which names are accepted.
 */
export function documentConfiguredClusters<D extends { components?: { schemas?: Record<string, unknown> } }>(
  document: D,
  clusterNames: readonly string[],
): D {
  const schema = document.components?.schemas?.[ChangePlacementDto.name] as
    { properties?: Record<string, Record<string, unknown>> } | undefined;
  const cluster = schema?.properties?.cluster;
  if (cluster) {
    cluster.enum = [...clusterNames];
    cluster.example = clusterNames[0];
    delete cluster.pattern;
  }
  return document;
}
