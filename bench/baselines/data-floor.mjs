// Data floor: a bare node:http server doing the one MongoDB driver read an authenticated record
// read needs (findOne by _id in the organization's collection, same database, same driver as
// Mongoose uses) and answering the same record view. The service cannot be faster than this.
//   node bench/baselines/data-floor.mjs <port> <mongodbUri> <tenantDb> <collection> <recordId>
import mongoose from 'mongoose';
import { createServer } from 'node:http';

const [port, uri, dbName, collectionName, recordId] = process.argv.slice(2);
const client = await new mongoose.mongo.MongoClient(uri).connect();
const collection = client.db(dbName).collection(collectionName);
const _id = new mongoose.mongo.ObjectId(recordId);

createServer(async (request, response) => {
  const record = await collection.findOne({ _id });
  const body = record
    ? JSON.stringify({ id: record._id.toHexString(), data: record.data, created_at: record.created_at, updated_at: record.updated_at })
    : '{"statusCode":404}';
  response.writeHead(record ? 200 : 404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}).listen(Number(port), '127.0.0.1', () => process.send?.('listening'));
