import { Module } from '@nestjs/common';
import { getModelToken, MongooseModule } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { AppConfig } from '../../config/app-config.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { LoginThrottleStore } from './login-throttle.store.js';
import { MemoryLoginThrottleStore } from './memory-login-throttle.store.js';
import { MongoLoginThrottleStore } from './mongo-login-throttle.store.js';
import { LoginAttempt, LoginAttemptSchema } from './schemas/login-attempt.schema.js';

@Module({
  imports: [MongooseModule.forFeature([{ name: LoginAttempt.name, schema: LoginAttemptSchema }])],
  providers: [
    {
      provide: LoginThrottleStore,
      inject: [AppConfig, getModelToken(LoginAttempt.name)],
      useFactory: (config: AppConfig, attempts: Model<LoginAttempt>): LoginThrottleStore =>
        config.loginThrottle.store === 'memory' ? new MemoryLoginThrottleStore() : new MongoLoginThrottleStore(attempts),
    },
    LoginThrottleService,
  ],
  exports: [LoginThrottleService],
})
export class LoginThrottleModule {}
