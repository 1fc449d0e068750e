import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync } from 'node:fs';
import { AppModule } from './app.module.js';
import { configureApp, createHttpAdapter } from './app.setup.js';
import { AppConfig } from './config/app-config.js';
import { InvalidConfigurationError } from './config/environment.js';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  // Validate before anything connects, so a bad value stops the process with a clear message.
  const config = AppConfig.fromEnvironment(process.env);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter(config), { bufferLogs: true });
  await configureApp(app, config);
  await app.listen(config.http.port, config.http.host);
  if (app.get(AppConfig).jwt.ephemeralSecret) {
    console.warn('JWT_SECRET is not set: using a random per-process secret (tokens die on restart). Set it outside local runs.');
  }
  console.log(`Organization Management Service listening on http://${config.http.host}:${config.http.port} (docs at /docs)`);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof InvalidConfigurationError) {
    console.error(error.message);
  } else {
    console.error('Start-up failed:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
