import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVICE } from '../hypervisor-runtime/client.ts';
import { clientEnv } from './env.ts';
import { main } from './main.ts';
import { UsageError } from './types.ts';

describe('client environment (src/cli/env.ts)', () => {
  it('gives the defaults under HOME, and each variable overrides its own', () => {
    const d = clientEnv({ HOME: '/home/u' });
    expect(d).toEqual({
      service: DEFAULT_SERVICE,
      snapshotDir: '/home/u/.cache/virtcompat/snapshot',
      cacheDir: '/home/u/.cache/virtcompat',
      searchPath: undefined,
      timing: false,
      debug: false,
      apiKey: undefined,
    });
    const e = clientEnv({
      HOME: '/home/u',
      XDG_CACHE_HOME: '/xdg',
      VIRTCOMPAT_SERVICE: 'https://vc.example/graphql',
      VIRTCOMPAT_SNAPSHOT_DIR: '/snap',
      PATH: '/opt/qemu/bin:/usr/bin',
      VIRTCOMPAT_TIMING: '1',
      VIRTCOMPAT_DEBUG: '0',
    });
    expect(e).toEqual({
      service: 'https://vc.example/graphql',
      snapshotDir: '/snap',
      cacheDir: '/xdg/virtcompat',
      searchPath: ['/opt/qemu/bin', '/usr/bin'],
      timing: true,
      debug: false,
    });
    assert.ok(Object.isFrozen(e));
  });

  it('treats an empty variable as unset', () => {
    expect(clientEnv({ HOME: '/h', VIRTCOMPAT_SERVICE: '', VIRTCOMPAT_SNAPSHOT_DIR: '' })).toMatchObject({
      service: DEFAULT_SERVICE,
      snapshotDir: '/h/.cache/virtcompat/snapshot',
    });
  });

  it('parses a given env object once', () => {
    const env = { HOME: '/h' };
    assert.equal(clientEnv(env), clientEnv(env));
  });

  it('reports a bad variable as a usage error naming it and its value', () => {
    assert.throws(
      () => clientEnv({ VIRTCOMPAT_SERVICE: 'localhost:4000' }),
      (e: unknown) => e instanceof UsageError && /VIRTCOMPAT_SERVICE: .*http\(s\) URL.*'localhost:4000'/.test(e.message),
    );
  });

  it('virtcompat plan with a bad VIRTCOMPAT_SERVICE exits 2 and says which variable', async () => {
    let err = '';
    const sink = (f: (s: string) => void) => ({ write: (s: string) => (f(s), true) }) as unknown as NodeJS.WritableStream;
    const code = await main(['plan', '--guest', 'debian12', '--hypervisor', 'kvm'], {
      stdout: sink(() => {}),
      stderr: sink((s) => (err += s)),
      env: { HOME: '/nonexistent', VIRTCOMPAT_SERVICE: 'nope' },
      cwd: '/',
    });
    assert.equal(code, 2);
    assert.match(err, /^virtcompat plan: environment: VIRTCOMPAT_SERVICE: /);
  });
});
