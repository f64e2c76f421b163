/**
 * The pure parts of issue 23's remaining truths (docs/failover.md): what counts as the lineage's
 * origin on a 409 (`verifyOrigin`), and the members' view of the report (`membersViewOf`).
 */
import type { FailoverRecord } from '../../src/ledger/failovers';
import { membersViewOf } from '../../src/readModel';
import { LINEAGE_TAG_KEYS, verifyOrigin, type CopyShape } from '../../src/replication/lineage';

const ORIGIN_RID = '/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/fr-westus2';

describe('verifyOrigin: a 409 in the member the copy names is its origin', () => {
  const origin: CopyShape = { id: 'invoice', kind: 'model', status: 'ready', docTypes: ['invoice', 'receipt'] };
  const copy: CopyShape = {
    id: 'invoice',
    kind: 'model',
    status: 'ready',
    docTypes: ['invoice', 'receipt'],
    tags: { [LINEAGE_TAG_KEYS.sourceResource]: ORIGIN_RID, [LINEAGE_TAG_KEYS.sourceId]: 'invoice' },
  };

  it('the original (no tags of its own, same id, same doc types) in the tagged resource is the origin', () => {
    expect(verifyOrigin(origin, copy, ORIGIN_RID.toUpperCase())).toEqual({ verified: true });
  });

  it('another resource, another id, other doc types, a model not ready or no tags: not the origin', () => {
    expect(verifyOrigin(origin, copy, `${ORIGIN_RID}-other`).verified).toBe(false);
    expect(verifyOrigin({ ...origin, id: 'other' }, copy, ORIGIN_RID).verified).toBe(false);
    expect(verifyOrigin({ ...origin, docTypes: ['invoice'] }, copy, ORIGIN_RID).verified).toBe(false);
    expect(verifyOrigin({ ...origin, status: 'creating' }, copy, ORIGIN_RID).verified).toBe(false);
    expect(verifyOrigin(origin, { ...copy, tags: {} }, ORIGIN_RID).verified).toBe(false);
    expect(verifyOrigin({ ...origin, kind: 'classifier' }, copy, ORIGIN_RID).verified).toBe(false);
  });
});

describe('membersViewOf: each member’s role, last failover and last test failover', () => {
  const record = (over: Partial<FailoverRecord> & Pick<FailoverRecord, 'id' | 'mode' | 'to'>): FailoverRecord => ({
    from: 'westus2',
    dryRun: false,
    force: false,
    status: 'completed',
    requestedAt: '2026-12-01T00:00:00.000Z',
    steps: [],
    ...over,
  });

  it('takes the newest of each kind to each member, leaves dry runs out, and the role from the primary document', () => {
    const view = membersViewOf({
      regions: ['westus2', 'eastus', 'westeurope'],
      primary: { primary: 'eastus', home: 'westus2', epoch: 1, since: '2026-12-01T03:00:00.000Z' },
      failovers: [
        record({ id: 't1', mode: 'test', to: 'eastus', finishedAt: '2026-12-01T01:00:00.000Z' }),
        record({
          id: 't2',
          mode: 'test',
          to: 'eastus',
          status: 'failed',
          finishedAt: '2026-12-01T02:00:00.000Z',
          drills: { passed: 0, failed: 1, skipped: 0, outcome: 'failed' },
        }),
        record({ id: 'u1', mode: 'unplanned', to: 'eastus', finishedAt: '2026-12-01T03:00:00.000Z' }),
        record({ id: 'dry', mode: 'planned', to: 'eastus', dryRun: true, finishedAt: '2026-12-01T04:00:00.000Z' }),
        record({
          id: 'p1',
          mode: 'planned',
          to: 'westeurope',
          status: 'refused',
          requestedAt: '2026-12-01T05:00:00.000Z',
        }),
      ],
    });
    expect(view).toEqual({
      activePrimary: 'eastus',
      epoch: 1,
      since: '2026-12-01T03:00:00.000Z',
      members: [
        { region: 'westus2', role: 'standby' },
        {
          region: 'eastus',
          role: 'primary',
          lastFailover: {
            id: 'u1',
            mode: 'unplanned',
            status: 'completed',
            from: 'westus2',
            at: '2026-12-01T03:00:00.000Z',
          },
          lastTestFailover: {
            id: 't2',
            mode: 'test',
            status: 'failed',
            from: 'westus2',
            at: '2026-12-01T02:00:00.000Z',
            drills: { passed: 0, failed: 1, skipped: 0, outcome: 'failed' },
          },
        },
        {
          region: 'westeurope',
          role: 'standby',
          lastFailover: {
            id: 'p1',
            mode: 'planned',
            status: 'refused',
            from: 'westus2',
            at: '2026-12-01T05:00:00.000Z',
          },
        },
      ],
    });
  });
});
