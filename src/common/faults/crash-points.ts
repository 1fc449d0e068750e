import { Global, Injectable, Logger, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';

/** The steps between which a multi-step operation can be interrupted; tests arm one at a time. */
export const CRASH_POINTS = [
  'create.after-claims',
  'create.after-org-insert',
  'create.after-member-insert',
  'create.after-collection',
  'create.after-ticket',
  'rename.after-claims',
  'rename.after-ticket',
  'rename.after-transition',
  'rename.after-move',
  'rename.after-credential-changes',
  'rename.after-finish',
  'delete.after-transition',
  'delete.after-drop',
  'delete.after-members',
  'accept.after-claim',
  'accept.after-member',
  'remove-member.after-audit',
  'remove-member.after-delete',
  'move.after-start',
  'move.mid-copy',
  'move.after-copy',
  'move.in-cutover',
  'move.after-switch',
  'move.after-drop-source',
  'move.after-audit',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/**
 * Fault injection for the crash-recovery tests: when TEST_CRASH_POINT names a step (allowed only
 * with NODE_ENV=test, checked at start-up), the process is killed abruptly on reaching it.
 * Otherwise `reach` does nothing.
 */
@Injectable()
export class CrashPoints {
  private readonly logger = new Logger(CrashPoints.name);
  private readonly armed: string | undefined;

  constructor(config: AppConfig) {
    this.armed = config.nodeEnv === 'test' ? config.testCrashPoint : undefined;
  }

  reach(point: CrashPoint): void {
    if (this.armed !== point) return;
    this.logger.warn(`Crash point ${point} reached: killing the process`);
    process.kill(process.pid, 'SIGKILL');
  }
}

/** Crash points for every module that runs multi-step operations. */
@Global()
@Module({ providers: [CrashPoints], exports: [CrashPoints] })
export class CrashPointsModule {}
