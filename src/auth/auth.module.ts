import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { ClaimsModule } from '../common/claims/claims.module.js';
import { MongooseModule } from '@nestjs/mongoose';
import { PassportModule } from '@nestjs/passport';
import { AppConfig } from '../config/app-config.js';
import { AdminAccountsService } from './admin-accounts.service.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { JwtStrategy } from './jwt.strategy.js';
import { LoginThrottleModule } from './login-throttle/login-throttle.module.js';
import { PasswordHasher } from './password-hasher.service.js';
import { Admin, AdminSchema } from './schemas/admin.schema.js';

@Module({
  imports: [
    MongooseModule.forFeature([{ name: Admin.name, schema: AdminSchema }]),
    PassportModule,
    LoginThrottleModule,
    ClaimsModule,
    JwtModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // Signing only (passport-jwt verifies); a KeyObject, see AppConfig.jwt.key.
        privateKey: config.jwt.key,
        signOptions: {
          algorithm: 'HS256',
          expiresIn: config.jwt.expiresInSeconds,
          issuer: config.jwt.issuer,
          audience: config.jwt.audience,
        },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, AdminAccountsService, PasswordHasher, JwtStrategy],
  exports: [AuthService, AdminAccountsService, PasswordHasher],
})
export class AuthModule {}
