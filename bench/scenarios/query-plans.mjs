// Query plans: what the database does for the master reads on the hot paths, with 10,000 organizations.
import mongoose from 'mongoose';

/**
 * The plans of the name-claim read by `_id` (of `lookup`), the organization read by `_id` (of
 * `orgId`) and the organization read by slug, in `master`; each a JSON string (FerretDB: the
 * plan of its SQLite or PostgreSQL backend).
 */
export async function queryPlans({ master, naming, lookup, orgId }) {
  return {
    claimById: await queryPlan(master, 'unique_claims', { _id: naming.claimKey('org', naming.slugify(lookup)) }),
    organizationById: await queryPlan(master, 'organizations', { _id: new mongoose.mongo.ObjectId(orgId) }),
    organizationBySlug: await queryPlan(master, 'organizations', { slug: naming.slugify(lookup) }),
  };
}

async function queryPlan(master, collection, filter) {
  const plan = await master.collection(collection).find(filter).explain();
  return JSON.stringify({ plan: plan.queryPlanner?.Plan ?? plan.queryPlanner?.winningPlan, filterPushdown: plan.filterPushdown });
}
