import { Module } from '@nestjs/common';
import { getModelToken, MongooseModule } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { AppConfig } from '../../config/app-config.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { LoginThrottleStore } from './login-throttle.store.js';
import { MemoryLoginThrottleStore } from './memory-login-throttle.store.js';
import { MongoLoginThrottleStore } from './mongo-login-throttle.store.js';
import { LoginCounter, LoginCounterSchema } from './schemas/login-counter.schema.js';

@Module({
  imports: [MongooseModule.forFeature([{ name: LoginCounter.name, schema: LoginCounterSchema }])],
  providers: [
    {
      provide: LoginThrottleStore,
      inject: [AppConfig, getModelToken(LoginCounter.name)],
      useFactory: (config: AppConfig, counters: Model<LoginCounter>): LoginThrottleStore =>
        config.loginThrottle.store === 'memory' ? new MemoryLoginThrottleStore() : new MongoLoginThrottleStore(counters),
    },
    LoginThrottleService,
  ],
  exports: [LoginThrottleService],
})
export class LoginThrottleModule {}
