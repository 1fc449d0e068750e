import { slugify } from '../../src/organizations/organization-name.js';
import { expectError } from '../support/expect-error.js';
import { useTestApp } from '../support/session.js';
import { uniqueOrg } from '../support/test-app.js';

const PARALLEL = 20;

describe('concurrent creates (e2e)', () => {
  const t = useTestApp();

  const createAll = (inputs: ReturnType<typeof uniqueOrg>[]) =>
    Promise.all(
      inputs.map((input) =>
        t
          .http()
          .post('/org/create')
          .send(input)
          .then((res) => res),
      ),
    );
  const claimsFor = (keys: string[]) => t.db.master.collection<{ _id: string }>('unique_claims').countDocuments({ _id: { $in: keys } });

  it(`${PARALLEL} parallel creates of one name: one 201, the rest 409, one org, one admin, one collection`, async () => {
    const name = uniqueOrg('Race').organization_name;
    const slug = slugify(name);
    // Same organization under different spellings, each with its own admin email.
    const spellings = [name, name.toUpperCase(), name.toLowerCase(), `  ${name}  `];
    const inputs = Array.from({ length: PARALLEL }, (_, i) => ({ ...uniqueOrg(), organization_name: spellings[i % spellings.length] }));

    const responses = await createAll(inputs);

    const winners = responses.filter((res) => res.status === 201);
    expect(winners).toHaveLength(1);
    responses.filter((res) => res.status !== 201).forEach((res) => expectError(res, 409, 'An organization with this name already exists'));
    expect(winners[0].body.slug).toBe(slug);

    expect(await t.db.master.collection('organizations').countDocuments({ slug })).toBe(1);
    const emails = inputs.map((input) => input.email);
    expect(await t.db.master.collection('accounts').countDocuments({ email: { $in: emails } })).toBe(1);
    expect((await t.db.tenantCollections()).filter((name) => name === `org_${slug}`)).toHaveLength(1);
    // The losers left no claim on their emails: each can sign up again.
    expect(await claimsFor(emails.map((email) => `email:${email}`))).toBe(1);
    const loser = inputs.find((input) => input.email !== winners[0].body.admin.email)!;
    await t
      .http()
      .post('/org/create')
      .send({ ...uniqueOrg(), email: loser.email })
      .expect(201);
  });

  it(`${PARALLEL} parallel creates of different names with one new email and its password: one account owns every 201`, async () => {
    const email = uniqueOrg().email;
    const inputs = Array.from({ length: PARALLEL }, (_, i) => ({ ...uniqueOrg(`Same email ${i}`), email }));

    const responses = await createAll(inputs);

    // Creates that found the account verify the password and succeed; those that raced to register it lose with 409.
    const winners = responses.filter((res) => res.status === 201);
    expect(winners.length).toBeGreaterThanOrEqual(1);
    responses.filter((res) => res.status !== 201).forEach((res) => expectError(res, 409, 'An account with this email already exists'));
    const accounts = await t.db.master.collection('accounts').find({ email }).toArray();
    expect(accounts).toHaveLength(1);
    expect(new Set(winners.map((res) => res.body.admin.id))).toEqual(new Set([accounts[0]._id.toHexString()]));

    const slugs = inputs.map((input) => slugify(input.organization_name));
    const created = await t.db.master
      .collection('organizations')
      .find({ slug: { $in: slugs } })
      .toArray();
    expect(created.map((org) => org.slug).sort()).toEqual(winners.map((res) => res.body.slug).sort());
    const owners = await t.db.master.collection('memberships').find({ account_id: accounts[0]._id }).toArray();
    expect(owners.map((membership) => membership.org_id.toHexString()).sort()).toEqual(winners.map((res) => res.body.id).sort());
    expect(owners.every((membership) => membership.role === 'owner')).toBe(true);
    const collections = await t.db.tenantCollections();
    expect(slugs.filter((slug) => collections.includes(`org_${slug}`)).sort()).toEqual(winners.map((res) => res.body.slug).sort());
    // The losers' names were released: a loser's name can be created now.
    expect(await claimsFor(slugs.map((slug) => `org:${slug}`))).toBe(winners.length);
    const loser = inputs.find((input) => !winners.some((res) => res.body.organization_name === input.organization_name));
    if (loser) {
      await t
        .http()
        .post('/org/create')
        .send({ ...uniqueOrg(), organization_name: loser.organization_name })
        .expect(201);
    }
  });
});
