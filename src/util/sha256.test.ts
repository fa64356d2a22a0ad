import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'vitest';
import { sha256, sha256Hex } from './sha256.ts';

it('equals node:crypto on every length across the padding boundaries, and on multi-byte text', () => {
  const texts = ['', 'abc', 'kvm\ndebian11', 'über-straße 🚀 日本語'];
  for (let n = 0; n < 300; n++) texts.push(Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7 + n) % 95))).join(''));
  texts.push('x'.repeat(100_000));
  for (const t of texts) {
    const want = createHash('sha256').update(t).digest();
    assert.equal(sha256Hex(t), want.toString('hex'), JSON.stringify(t.slice(0, 40)));
    assert.deepEqual(Buffer.from(sha256(t)), want);
  }
  // FIPS 180-2 example
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
