/** The shared edge-validation collector (src/common/problems.ts): path + message, every problem at once. */
import { Problems, invalid } from '../../src/common/problems';
import { parseReplicationRequest } from '../../src/http/replicationRequest';

describe('Problems', () => {
  it('keeps every problem in order, with its path, and renders them as "path: message"', () => {
    const p = new Problems();
    p.add('models[0]', 'must be a non-empty string');
    p.add('dryRun', 'must be true or false');
    expect(p.count).toBe(2);
    expect(p.list).toEqual([
      { path: 'models[0]', message: 'must be a non-empty string' },
      { path: 'dryRun', message: 'must be true or false' },
    ]);
    expect(p.lines()).toEqual(['models[0]: must be a non-empty string', 'dryRun: must be true or false']);
  });

  it('invalid(): one problem as a failed validation', () => {
    expect(invalid('body', 'not valid JSON')).toEqual({ ok: false, problems: ['body: not valid JSON'] });
  });

  it('the replication request reports every problem of a body at once', () => {
    expect(
      parseReplicationRequest('{"models": ["", "../x"], "regions": [], "dryRun": 1, "extra": 0}', ['eastus']),
    ).toEqual({
      ok: false,
      problems: [
        'extra: unknown field (allowed: models, regions, dryRun)',
        'models[0]: must be a non-empty string',
        "models[1]: '../x' is not a model id",
        'regions: must not be empty (leave it out to mean all)',
        'dryRun: must be true or false',
      ],
    });
  });
});
