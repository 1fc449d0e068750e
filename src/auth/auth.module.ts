import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { AuditModule } from '../audit/audit.module.js';
import { AppConfig } from '../config/app-config.js';
import { MembersModule } from '../members/members.module.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { HashingCapacityGuard } from './hashing-capacity.guard.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { LoginThrottleModule } from './login-throttle/login-throttle.module.js';
import { PasswordHasher } from './password-hasher.service.js';
import { RevokedToken, RevokedTokenSchema } from './persistence/revoked-token.schema.js';
import { RevokedTokensRepository } from './persistence/revoked-tokens.repository.js';
import { TokenRevocations } from './token-revocations.service.js';

@Module({
  imports: [
    MongooseModule.forFeature([{ name: RevokedToken.name, schema: RevokedTokenSchema }]),
    LoginThrottleModule,
    MembersModule,
    AuditModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // Signs with the current key; AccessTokenVerifier picks the verifying key by `kid`. A KeyObject, see AppConfig.jwt.key.
        privateKey: config.jwt.key,
        signOptions: {
          algorithm: 'HS256',
          keyid: config.jwt.keyId,
          expiresIn: config.jwt.expiresInSeconds,
          issuer: config.jwt.issuer,
          audience: config.jwt.audience,
        },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    PasswordHasher,
    AccessTokenVerifier,
    RevokedTokensRepository,
    TokenRevocations,
    // Deny by default: every route of the app needs a token unless marked @Public().
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    // After it: refuses password-hashing requests at once while the hasher is full.
    { provide: APP_GUARD, useClass: HashingCapacityGuard },
  ],
  exports: [AuthService, PasswordHasher],
})
export class AuthModule {}
