import { readFileSync } from 'node:fs';

/** The service's name and version, from package.json (one level above both src/ and dist/). */
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
  license: string;
};

export const SERVICE_NAME = pkg.name;
export const SERVICE_VERSION = pkg.version;
export const SERVICE_LICENSE = pkg.license;

/** Where the API is described; the HTTP setup mounts them and GET / links them. */
export const DOCS_PATH = '/docs';
export const OPENAPI_PATH = '/docs-json';
export const REDOC_PATH = '/redoc';
export const HEALTH_PATH = '/health';
