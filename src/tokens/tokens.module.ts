import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { AppConfig } from '../config/app-config.js';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { AccessTokens } from './access-tokens.service.js';
import { RevokedToken, RevokedTokenSchema } from './persistence/revoked-token.schema.js';
import { RevokedTokensRepository } from './persistence/revoked-tokens.repository.js';
import { TokenRevocations } from './token-revocations.service.js';

/** Access tokens: issuing, verifying and revoking them. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: RevokedToken.name, schema: RevokedTokenSchema }]),
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
  providers: [AccessTokens, AccessTokenVerifier, RevokedTokensRepository, TokenRevocations],
  exports: [AccessTokens, AccessTokenVerifier, TokenRevocations],
})
export class TokensModule {}
