import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { Model, trusted } from 'mongoose';
import { isDuplicateKeyError } from '../database/mongo-errors.js';
import { Lease } from './lease.schema.js';

/**
 * Named leases held by one instance at a time. A lease is a sequence of terms, each a document
 * inserted under a unique `_id`: whoever sees the latest term expired (or held by itself) inserts
 * the next one, and only one such insert succeeds. A conditional update would not do: FerretDB
 * lets several concurrent conditional updates of one document all succeed.
 */
@Injectable()
export class LeasesRepository {
  constructor(@InjectModel(Lease.name) private readonly leases: Model<Lease>) {}

  /** True when `holder` holds the lease `name` for the next `seconds`. */
  async acquire(name: string, holder: string, seconds: number): Promise<boolean> {
    const now = new Date();
    const latest = await this.leases.findOne({ name }).sort({ term: -1 }).lean<Lease>();
    if (latest && latest.holder !== holder && latest.expires_at > now) return false;
    const term = (latest?.term ?? 0) + 1;
    try {
      await this.leases.create({ _id: `${name}:${term}`, name, term, holder, expires_at: new Date(now.getTime() + seconds * 1000) });
    } catch (error) {
      // Another instance took this term first.
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
    await this.leases.deleteMany({ name, term: trusted({ $lt: term }) });
    return true;
  }

  /** Gives the lease up at once (rather than when it expires), if `holder` holds it. */
  async release(name: string, holder: string): Promise<void> {
    await this.leases.deleteMany({ name, holder });
  }
}
