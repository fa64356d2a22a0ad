import { describe, expect, it } from 'vitest';
import { CATALOGUE_TOPIC, createEventBus, SeenSeqs, type CatalogueEvent } from './pubsub.ts';
import { parseLsn } from '../db/replicas.ts';

const event = (seq: string): CatalogueEvent => ({
  seq,
  at: '2026-11-29T00:00:00.000Z',
  entityType: 'GuestOS',
  entityId: 'g',
  op: 'UPSERT',
  guestIds: ['g'],
  hypervisorReleaseIds: [],
});

describe('the event bus', () => {
  it('delivers each event once, whether it comes from a local write, Redis or the change feed', async () => {
    const bus = createEventBus({});
    const got: string[] = [];
    bus.onEvent((e) => got.push(e.seq));
    bus.pubsub.publish(CATALOGUE_TOPIC, event('7'));
    bus.deliver(event('7'));
    bus.deliver(event('8'));
    bus.deliver(event('8'));
    bus.pubsub.publish(CATALOGUE_TOPIC, event('9'));
    expect(got).toEqual(['7', '8', '9']);
    await bus.close();
  });

  it('forgets the oldest sequence numbers past its window', () => {
    const seen = new SeenSeqs(2);
    expect([seen.add('1'), seen.add('2'), seen.add('1'), seen.add('3'), seen.add('1')]).toEqual([true, true, false, true, true]);
  });
});

describe('parseLsn', () => {
  it('orders WAL positions as PostgreSQL does', () => {
    expect(parseLsn('0/3000148')).toBe(0x3000148n);
    expect(parseLsn('1/0')).toBe(1n << 32n);
    expect((parseLsn('1/0') ?? 0n) > (parseLsn('0/FFFFFFFF') ?? 0n)).toBe(true);
    expect(parseLsn('banana')).toBeUndefined();
  });
});
