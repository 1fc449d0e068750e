import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AppConfig } from '../../config/app-config.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { LoginThrottleStore } from './login-throttle.store.js';
import { MemoryLoginThrottleStore } from './memory-login-throttle.store.js';
import { LoginFailure, LoginFailureSchema } from './persistence/login-failure.schema.js';
import { MongoLoginThrottleStore } from './persistence/mongo-login-throttle.store.js';

@Module({
  imports: [MongooseModule.forFeature([{ name: LoginFailure.name, schema: LoginFailureSchema }])],
  providers: [
    MongoLoginThrottleStore,
    {
      provide: LoginThrottleStore,
      inject: [AppConfig, MongoLoginThrottleStore],
      useFactory: (config: AppConfig, shared: MongoLoginThrottleStore): LoginThrottleStore =>
        config.loginThrottle.store === 'memory' ? new MemoryLoginThrottleStore() : shared,
    },
    LoginThrottleService,
  ],
  exports: [LoginThrottleService],
})
export class LoginThrottleModule {}
