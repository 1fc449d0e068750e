import { Module } from '@nestjs/common';
import { OperatorKeys } from './operator-keys.service.js';

/** Operator keys alone, for the global guard (AuthModule) without the platform's routes and their imports. */
@Module({
  providers: [OperatorKeys],
  exports: [OperatorKeys],
})
export class OperatorKeysModule {}
