// Framework floor: a bare node:http server answering GET /health with the same small JSON as the
// service. Whatever the service does beyond this is the cost of Nest, Fastify and its hooks.
//   node bench/baselines/framework-floor.mjs <port>
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const body = JSON.stringify({ status: 'ok' });

createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}).listen(port, '127.0.0.1', () => process.send?.('listening'));
