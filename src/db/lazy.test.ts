import { describe, it, expect } from 'vitest';
import { lazy } from './index.ts';

describe('lazy', () => {
  it('builds on the first get only, and says what it built', () => {
    let builds = 0;
    const v = lazy(() => ({ n: ++builds }));
    expect(builds).toBe(0);
    expect(v.built).toBeUndefined();
    const first = v.get();
    expect(v.get()).toBe(first);
    expect(builds).toBe(1);
    expect(v.built).toBe(first);
  });
});
