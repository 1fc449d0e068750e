/** Injection token of the Mongoose connection to the tenant database (same client as master). */
export const TENANT_CONNECTION = Symbol('TENANT_CONNECTION');
