import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccountsModule } from '../accounts/accounts.module.js';
import { ApiKeysModule } from '../api-keys/api-keys.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { MembershipsModule } from '../memberships/memberships.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { OperatorKeysModule } from '../platform/operator-keys.module.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { AuthController } from './auth.controller.js';
import { AuthenticationService } from './authentication.service.js';
import { HashingCapacityGuard } from './hashing-capacity.guard.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { ApiKeyStrategy } from './api-key.strategy.js';
import { JwtStrategy } from './jwt.strategy.js';
import { LoginThrottleModule } from './login-throttle/login-throttle.module.js';
import { LoginService } from './login.service.js';
import { MeController } from './me.controller.js';
import { MeService } from './me.service.js';

/** Who may act: logging in, switching organizations, a person's own account, and the global guard. */
@Module({
  // Bearer tokens only: Passport keeps no session.
  imports: [
    PassportModule.register({ session: false }),
    AccountsModule,
    ApiKeysModule,
    AuditModule,
    LoginThrottleModule,
    MembershipsModule,
    OperatorKeysModule,
    OrganizationsModule,
    TokensModule,
  ],
  controllers: [AuthController, MeController],
  providers: [
    AuthenticationService,
    JwtStrategy,
    ApiKeyStrategy,
    LoginService,
    MeService,
    // Deny by default: every route of the app needs a token unless marked @Public().
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    // After it: refuses password-hashing requests at once while the hasher is full.
    { provide: APP_GUARD, useClass: HashingCapacityGuard },
  ],
})
export class AuthModule {}
