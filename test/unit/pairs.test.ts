/**
 * Pair identity has one owner (issue 22, item 2): src/common/pairs.ts builds every in-memory pair
 * key and the segments of every per-pair ledger key. The ledger's blob names are the ones
 * existing ledgers were written with (byte for byte), and no file in src/ spells a pair key by
 * hand.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  classifierItemId,
  itemSegments,
  pairKey,
  pairKeyOf,
  pairSegments,
  parsePairKey,
  regionRunPairSegments,
  runPairKey,
} from '../../src/common/pairs';
import { CopyIntentRepository } from '../../src/ledger/copyIntents';
import { DrillRepository } from '../../src/ledger/drills';
import { ledgerKey } from '../../src/ledger/keys';
import { ReplicaRepository, parseReplicaKey } from '../../src/ledger/replicas';

const root = path.join(__dirname, '..', '..');
const files = (dir: string): string[] =>
  readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : [],
  );

/** Two interpolations joined by a key separator (a pair key spelled by hand when one names a region and the other an item). */
const JOINED = /\$\{([^}]*)\}(?:\\u0000|\\0|\\n|\/|\||:|,|@|#)(?=\$\{([^}]*)\})/g;
const ITEM = /modelId|itemId|sourceModelId|classifierId/i;
const spellsPair = (a: string, b: string): boolean =>
  (/region/i.test(a) && ITEM.test(b)) || (/region/i.test(b) && ITEM.test(a));

describe('pair identity (src/common/pairs.ts)', () => {
  it('a pair key is unambiguous and inverts, for models and classifiers, odd ids and regions included', () => {
    for (const pair of [
      { sourceModelId: 'm-1', region: 'eastus' },
      { sourceModelId: classifierItemId('c.1'), region: 'westeurope' },
      { sourceModelId: '0b0e6a3c-4e3b-4c57-9d8e-1a2b3c4d5e01', region: 'a/b c' },
    ])
      expect(parsePairKey(pairKeyOf(pair))).toEqual(pair);
    expect(pairKey('a', 'bc')).not.toBe(pairKey('ab', 'c'));
    expect(runPairKey('r1', { sourceModelId: 'm', region: 'x' })).not.toBe(
      runPairKey('r2', { sourceModelId: 'm', region: 'x' }),
    );
  });

  it('ledger blob names stay byte-identical to the ones existing ledgers were written with', () => {
    const pair = { sourceModelId: 'a/b c~', region: 'eastus2' };
    // The names as src/ledger built them by hand before pairs.ts owned the segments.
    expect(ReplicaRepository.key(pair.sourceModelId, pair.region)).toBe('replicas/a~2Fb~20c~7E/eastus2.json');
    expect(ReplicaRepository.key(pair.sourceModelId, pair.region)).toBe(
      ledgerKey(['replicas', pair.sourceModelId, pair.region], '.json'),
    );
    expect(DrillRepository.key('classifier:c1', 'westeurope')).toBe('drills/classifier~3Ac1/westeurope.json');
    expect(ledgerKey(pairSegments('drills', pair), '.json')).toBe(
      ledgerKey(['drills', pair.sourceModelId, pair.region], '.json'),
    );
    expect(ledgerKey(itemSegments('replicas', pair.sourceModelId))).toBe('replicas/a~2Fb~20c~7E');
    expect(ledgerKey(regionRunPairSegments('copy-intents', 'run 1', pair, '2-0-x'), '.json')).toBe(
      'copy-intents/eastus2/run~201/a~2Fb~20c~7E/2-0-x.json',
    );
    expect(parseReplicaKey('replicas/a~2Fb~20c~7E/eastus2.json')).toEqual(pair);
  });

  it('a recorded copy intent is stored under the same name as before', async () => {
    const created: string[] = [];
    const repo = new CopyIntentRepository({} as never);
    (repo as unknown as { store: { create(key: string): Promise<void> } }).store = {
      create: async (key: string) => void created.push(key),
    };
    await repo.add({
      runId: 'run-1',
      sourceModelId: 'm/1',
      region: 'eastus',
      attempt: 2,
    } as never);
    expect(created[0]).toMatch(/^copy-intents\/eastus\/run-1\/m~2F1\/2-0-[0-9a-f-]{36}\.json$/);
  });

  it('no file in src/ spells a pair key, a per-pair ledger key or a classifier item id by hand', () => {
    const perPairLedgerKey = /ledgerKey\(\s*\[\s*'(?:replicas|drills|copy-intents)'\s*,/;
    const offenders: string[] = [];
    for (const f of files('src')) {
      if (f === 'src/common/pairs.ts') continue;
      const text = readFileSync(path.join(root, f), 'utf8');
      for (const m of text.matchAll(JOINED)) if (spellsPair(m[1], m[2])) offenders.push(`${f}: ${m[0]}`);
      if (perPairLedgerKey.test(text)) offenders.push(`${f}: ${perPairLedgerKey.exec(text)?.[0]}`);
      // Item ids too: a classifier's item id is `classifierItemId(id)` / `itemIdOf(kind, id)`.
      for (const m of text.matchAll(/`classifier:\$\{|'classifier:'|startsWith\('classifier:/g))
        offenders.push(`${f}: ${m[0]}`);
    }
    expect(offenders).toEqual([]);
  });

  it('the guard catches the spellings the code used before', () => {
    const samples = [
      'records.set(`${r.region}\\n${r.sourceModelId}`, r)',
      'byPair.set(`${p.sourceModelId}\\u0000${p.region}`, p)',
      'return `${input.runId}\\n${input.region}\\n${input.sourceModelId}`;',
    ];
    for (const s of samples) {
      expect({ s, caught: [...s.matchAll(JOINED)].some((m) => spellsPair(m[1], m[2])) }).toEqual({ s, caught: true });
    }
  });
});
