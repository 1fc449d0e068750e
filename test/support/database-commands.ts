import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection, mongo } from 'mongoose';

const READS = new Set(['find', 'getMore', 'aggregate', 'count', 'distinct', 'collStats', 'listCollections', 'listIndexes']);
const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify', 'create', 'drop', 'renameCollection', 'createIndexes']);

/** The service's database URI with the driver's command events switched on (see recordCommands). */
export function monitoredUri(uri = process.env.MONGODB_URI ?? ''): string {
  return `${uri}${uri.includes('?') ? '&' : '?'}monitorCommands=true`;
}

/**
 * The webhook dispatcher polls the database in the background; a suite that counts a request's
 * commands keeps its first pass a minute away, beyond the suite's end.
 */
export const QUIET_BACKGROUND = { WEBHOOK_POLL_MS: '60000' };

export interface Commands {
  /** `<command> <collection>` of each read, in order. */
  reads: string[];
  writes: string[];
}

/**
 * The data commands (reads and writes; not handshakes or heartbeats) the in-process app sends
 * while `action` runs. The app must have been started with `MONGODB_URI: monitoredUri()`.
 */
export async function recordCommands(app: NestFastifyApplication, action: () => Promise<unknown>): Promise<Commands> {
  const client = app.get<Connection>(getConnectionToken()).getClient();
  const seen: Commands = { reads: [], writes: [] };
  const listener = (event: mongo.CommandStartedEvent): void => {
    const described = `${event.commandName} ${String(event.command[event.commandName])}`;
    if (READS.has(event.commandName)) seen.reads.push(described);
    else if (WRITES.has(event.commandName)) seen.writes.push(described);
  };
  client.on('commandStarted', listener);
  try {
    await action();
  } finally {
    client.off('commandStarted', listener);
  }
  return seen;
}
