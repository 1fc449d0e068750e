import { Types } from 'mongoose';
import { bearer } from './fetch-client.js';
import type { Session } from './session.js';
import { TEST_OPERATOR_KEY } from './test-app.js';

export interface PlacementView {
  mode: 'collection' | 'shared' | 'database';
  cluster: string;
  database: string;
  collection: string;
}

const OPERATOR = bearer(TEST_OPERATOR_KEY);

/** The organization as operators see it now. */
export async function organizationOf(t: Pick<Session, 'http'>, orgId: string): Promise<Record<string, any>> {
  return (await t.http().get(`/platform/organizations/${orgId}`).set(OPERATOR).expect(200)).body;
}

/** Asks for a move; returns the answer (202 with the move, 200 when already there, or an error). */
export function requestMove(t: Pick<Session, 'http'>, orgId: string, target: { mode: string; cluster?: string }) {
  return t.http().post(`/platform/organizations/${orgId}/placement`).set(OPERATOR).send(target);
}

/** Polls GET /platform/moves/:id until the move is done, failed or rolled back. */
export async function untilMoveEnds(t: Pick<Session, 'http'>, moveId: string, deadlineMs = 60_000): Promise<Record<string, any>> {
  const started = Date.now();
  for (;;) {
    const { body } = await t.http().get(`/platform/moves/${moveId}`).set(OPERATOR).expect(200);
    if (['done', 'failed', 'rolled_back'].includes(body.phase)) return body;
    if (Date.now() - started > deadlineMs) throw new Error(`move ${moveId} still ${body.phase} after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Moves the organization's data and waits until the move is done. */
export async function moveTo(
  t: Pick<Session, 'http'>,
  orgId: string,
  target: { mode: string; cluster?: string },
): Promise<Record<string, any>> {
  const started = await requestMove(t, orgId, target).expect(202);
  const ended = await untilMoveEnds(t, started.body.id);
  expect(ended).toMatchObject({ phase: 'done' });
  return ended;
}

/** The organization's documents as stored at `placement` (other organizations' shared documents excluded). */
export async function storedAt(
  db: Session['db'],
  placement: PlacementView,
  orgId: string,
): Promise<{ _id: Types.ObjectId; org_id: Types.ObjectId; data: unknown }[]> {
  return (await db
    .collectionAt(placement)
    .find({ org_id: new Types.ObjectId(orgId) })
    .sort({ _id: 1 })
    .toArray()) as never;
}
