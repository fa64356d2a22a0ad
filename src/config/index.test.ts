import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from './index.ts';

describe('loadConfig', () => {
  it('defaults to the embedded database in ./data', () => {
    const c = loadConfig({}, '/srv/vc');
    assert.deepEqual(c.database, { kind: 'pglite', dataDir: '/srv/vc/data' });
    assert.equal(c.port, 4000);
    assert.equal(c.responseCache.enabled, true);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.limits));
  });

  it('switches to PostgreSQL with DATABASE_URL', () => {
    const c = loadConfig({ DATABASE_URL: 'postgresql://u@db:5432/vc', DB_POOL_SIZE: '7' });
    assert.deepEqual(c.database, { kind: 'postgres', url: 'postgresql://u@db:5432/vc', poolSize: 7, statementTimeoutMs: 30_000 });
  });

  it('reports every bad variable at once, naming value and rule', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', RESPONSE_CACHE: 'maybe' }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.problems.length, 4);
        assert.match(err.message, /PORT="eighty": expected a whole number/);
        assert.match(err.message, /LOG_LEVEL="loud"/);
        assert.match(err.message, /DATABASE_URL="mysql:\/\/x": expected a postgresql:\/\/ URL/);
        assert.match(err.message, /RESPONSE_CACHE="maybe"/);
        return true;
      },
    );
  });

  it('reads streaming replicas from DATABASE_REPLICA_URLS, and only beside a PostgreSQL primary', () => {
    const c = loadConfig({ DATABASE_URL: 'postgresql://p/vc', DATABASE_REPLICA_URLS: 'postgresql://r1/vc, postgres://r2/vc' });
    assert.deepEqual(c.replicas.urls, ['postgresql://r1/vc', 'postgres://r2/vc']);
    assert.deepEqual(loadConfig({}).replicas.urls, []);
    assert.throws(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgresql://r1/vc' }), /set DATABASE_URL/);
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'postgresql://p/vc', DATABASE_REPLICA_URLS: 'postgresql://r1/vc,mysql://r2' }),
      /DATABASE_REPLICA_URLS.*comma-separated list of postgresql/,
    );
  });

  it('enforces ranges', () => {
    assert.throws(() => loadConfig({ PORT: '70000' }), /PORT="70000": must be at most 65535/);
  });

  it('treats empty strings as unset', () => {
    assert.equal(loadConfig({ PORT: '', DATABASE_URL: '' }).database.kind, 'pglite');
  });
});
