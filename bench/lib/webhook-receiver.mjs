// A webhook receiver for the benches, run as a child process (startBaseline forks it) so that the
// load generator's event loop does not delay its arrival times. It listens on 127.0.0.1 (a free
// port, sent to the parent as its first message `{port}`), answers every POST with 204 as soon as
// the body has arrived, and keeps one row per POST: [arrival ms (Date.now()), the event's
// `data.at` in ms, webhook-id, event type, the URL's path (which endpoint), organization id].
// The parent sends 'take' to get the rows kept so far (and forget them), 'stop' to end it.
//   node bench/lib/webhook-receiver.mjs
import { createServer } from 'node:http';

let rows = [];
const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const arrival = Date.now();
    response.writeHead(204).end();
    try {
      const { type, data } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      rows.push([arrival, Date.parse(data.at), request.headers['webhook-id'], type, request.url, data.organization_id]);
    } catch {
      rows.push([arrival, null, request.headers['webhook-id'] ?? null, null, request.url, null]);
    }
  });
});
server.keepAliveTimeout = 5000;

process.on('message', (message) => {
  if (message === 'take') {
    process.send({ rows });
    rows = [];
  } else if (message === 'stop') {
    server.close();
    process.disconnect();
  }
});

server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
