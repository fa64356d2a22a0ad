import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { classifyDbError, DatabaseUnavailableError, dbFailureToAppError } from './classify.ts';
import { retryDelayMs } from './retry.ts';

/** A node-postgres error as the driver builds it. */
function pgError(code: string, message = 'x'): Error {
  const e = new pg.DatabaseError(message, message.length, 'error');
  Object.assign(e, { code, severity: 'ERROR' });
  return e;
}

describe('classifyDbError', () => {
  it('maps SQLSTATEs to catalogue kinds', () => {
    const cases: Array<[string, string | undefined]> = [
      ['23505', 'CONFLICT'],
      ['23503', 'BAD_INPUT'],
      ['23502', 'BAD_INPUT'],
      ['23514', 'BAD_INPUT'],
      ['22P02', 'BAD_INPUT'],
      ['22021', 'BAD_INPUT'],
      ['40001', 'RETRY'],
      ['40P01', 'RETRY'],
      ['08006', 'UNAVAILABLE'],
      ['08003', 'UNAVAILABLE'],
      ['57P01', 'UNAVAILABLE'],
      ['57P02', 'UNAVAILABLE'],
      ['57P03', 'UNAVAILABLE'],
      ['57014', 'UNAVAILABLE'],
      ['53300', 'UNAVAILABLE'],
      ['42P01', undefined],
      ['P0001', undefined],
    ];
    for (const [code, kind] of cases) expect([code, classifyDbError(pgError(code))?.kind]).toEqual([code, kind]);
  });

  it('sees node-level connection failures', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5'), { code: 'ECONNREFUSED', syscall: 'connect', errno: -111 });
    expect(classifyDbError(refused)?.kind).toBe('UNAVAILABLE');
    expect(classifyDbError(new Error('Connection terminated unexpectedly'))?.kind).toBe('UNAVAILABLE');
    expect(classifyDbError(new Error('timeout exceeded when trying to connect'))?.kind).toBe('UNAVAILABLE');
    expect(classifyDbError(new DatabaseUnavailableError('lost during commit', true))?.kind).toBe('UNAVAILABLE');
    expect(classifyDbError(new Error('something else'))).toBeUndefined();
    expect(classifyDbError(undefined)).toBeUndefined();
  });

  it("sees through Prisma's wrappers and driver adapter errors", () => {
    const prisma = (code: string, extra: Record<string, unknown> = {}) =>
      Object.assign(new Error('prisma'), { code, clientVersion: '7.0.0', ...extra });
    expect(classifyDbError(prisma('P1001'))?.kind).toBe('UNAVAILABLE');
    expect(classifyDbError(prisma('P1017'))?.kind).toBe('UNAVAILABLE');
    expect(classifyDbError(prisma('P2024'))?.kind).toBe('UNAVAILABLE');
    expect(classifyDbError(prisma('P2034'))?.kind).toBe('RETRY');
    expect(classifyDbError(prisma('P2002'))?.kind).toBe('CONFLICT');
    const init = Object.assign(new Error('init'), { errorCode: 'P1001', clientVersion: '7.0.0' });
    expect(classifyDbError(init)?.kind).toBe('UNAVAILABLE');
    // A raw PostgreSQL error Prisma reports as P2039/P2010, the SQLSTATE in the adapter error.
    const adapter = Object.assign(new Error('DriverAdapterError'), {
      name: 'DriverAdapterError',
      cause: { kind: 'postgres', code: '57P01', originalCode: '57P01' },
    });
    expect(classifyDbError(prisma('P2039', { meta: { driverAdapterError: adapter } }))).toEqual({ kind: 'UNAVAILABLE', sqlState: '57P01' });
    const closed = Object.assign(new Error('DriverAdapterError'), { name: 'DriverAdapterError', cause: { kind: 'ConnectionClosed' } });
    expect(classifyDbError(closed)?.kind).toBe('UNAVAILABLE');
    // GraphQL wraps resolver errors: originalError.
    expect(classifyDbError({ message: 'wrapped', originalError: pgError('40P01') })?.kind).toBe('RETRY');
  });

  it('public errors carry the catalogue code and no SQLSTATE or driver text', () => {
    const e = dbFailureToAppError(pgError('57P01', 'terminating connection due to administrator command'));
    expect(e?.extensions.code).toBe('DATABASE_UNAVAILABLE');
    expect(e?.extensions.http).toEqual({ status: 503, headers: { 'Retry-After': '2' } });
    const shown = JSON.stringify({ message: e?.message, extensions: e?.extensions });
    expect(shown).not.toMatch(/57P01|administrator|sqlState/i);
    const bad = dbFailureToAppError(pgError('22021', 'invalid byte sequence for encoding "UTF8": 0x00'));
    expect(bad?.extensions.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify({ message: bad?.message, extensions: bad?.extensions })).not.toMatch(/22021|0x00|sqlState/);
  });
});

describe('retryDelayMs', () => {
  it('retries races and lost connections a bounded number of times', () => {
    expect(retryDelayMs(pgError('40001'), 1)).toBeGreaterThan(0);
    expect(retryDelayMs(pgError('40001'), 6)).toBeUndefined();
    expect(retryDelayMs(pgError('57P01'), 1)).toBeGreaterThan(0);
    expect(retryDelayMs(pgError('57P01'), 3)).toBeUndefined();
    expect(retryDelayMs(pgError('23505'), 1)).toBeUndefined();
    // A statement cancelled by statement_timeout is a 503, never run again against a slow database.
    expect(retryDelayMs(pgError('57014'), 1)).toBeUndefined();
  });
  it('runs a write again after a COMMIT of unknown outcome only when it is idempotent', () => {
    const unknown = new DatabaseUnavailableError('lost during commit', true);
    expect(retryDelayMs(unknown, 1)).toBeUndefined();
    expect(retryDelayMs(unknown, 1, { idempotent: true })).toBeGreaterThan(0);
  });
});
