// Pure edits of a QEMU argv (an array, never a shell string): what the boot manager adds to a
// rendered plan so it can run and watch the guest — direct kernel boot, a QMP socket, the serial
// console on QEMU's stdout, no reboot loop — and what a fall-back to TCG changes.
import { at } from '../../util/must.ts';

export const DEFAULT_QEMU = 'qemu-system-x86_64';

/** Options that take a value (so the value is not mistaken for an option). */
const WITH_VALUE = new Set([
  '-accel',
  '-machine',
  '-M',
  '-cpu',
  '-smp',
  '-m',
  '-name',
  '-uuid',
  '-device',
  '-drive',
  '-blockdev',
  '-netdev',
  '-nic',
  '-chardev',
  '-serial',
  '-parallel',
  '-monitor',
  '-qmp',
  '-qmp-pretty',
  '-mon',
  '-display',
  '-vga',
  '-kernel',
  '-initrd',
  '-append',
  '-dtb',
  '-bios',
  '-boot',
  '-global',
  '-object',
  '-rtc',
  '-smbios',
  '-fw_cfg',
  '-tpmdev',
  '-pidfile',
  '-D',
  '-d',
  '-L',
  '-k',
  '-cdrom',
  '-hda',
  '-hdb',
  '-hdc',
  '-hdd',
  '-fda',
  '-fdb',
  '-usbdevice',
  '-audiodev',
  '-vnc',
  '-spice',
  '-incoming',
  '-loadvm',
  '-overcommit',
  '-msg',
  '-sandbox',
  '-run-with',
  '-action',
  '-trace',
  '-numa',
  '-mem-path',
  '-watchdog-action',
  '-add-fd',
  '-readconfig',
  '-icount',
  '-rtc-td-hack',
  '-option-rom',
  '-pflash',
  '-mtdblock',
  '-sd',
]);

export interface QemuArgv {
  binary: string;
  args: string[];
}

/** Splits a rendered argv into the binary (argv[0] when it is not an option) and the options. */
export function splitArgv(argv: readonly string[]): QemuArgv {
  const [first, ...rest] = argv;
  if (first !== undefined && !first.startsWith('-')) return { binary: first, args: rest };
  return { binary: DEFAULT_QEMU, args: [...argv] };
}

export function joinArgv(q: QemuArgv): string[] {
  return [q.binary, ...q.args];
}

/** [option, value|null] pairs in order. */
export function optionPairs(args: readonly string[]): [string, string | null][] {
  const out: [string, string | null][] = [];
  for (let i = 0; i < args.length; i++) {
    const a = at(args, i);
    const next = args[i + 1];
    if (WITH_VALUE.has(a) && next !== undefined) {
      out.push([a, next]);
      i++;
    } else out.push([a, null]);
  }
  return out;
}

function fromPairs(pairs: [string, string | null][]): string[] {
  return pairs.flatMap(([o, v]) => (v === null ? [o] : [o, v]));
}

/** All values of one option, e.g. every `-device`. */
export function optionValues(args: readonly string[], option: string): string[] {
  return optionPairs(args)
    .filter(([o]) => o === option || (option === '-machine' && o === '-M'))
    .map(([, v]) => v ?? '');
}

/** Splits a QEMU option value on commas, honouring ",," as an escaped comma. */
export function splitOptionValue(value: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    if (value[i] === ',') {
      if (value[i + 1] === ',') {
        cur += ',';
        i++;
      } else {
        parts.push(cur);
        cur = '';
      }
    } else cur += value[i];
  }
  parts.push(cur);
  return parts;
}

/** Escapes a path for use inside a QEMU option value. */
export function escapeOptionValue(v: string): string {
  return v.replace(/,/g, ',,');
}

export type Accel = 'kvm' | 'tcg' | 'xen' | 'hvf' | 'whpx' | 'nvmm' | 'qtest';

/** The accelerator the argv asks for; QEMU's default is TCG. */
export function acceleratorOf(args: readonly string[]): Accel {
  let accel: string | null = null;
  for (const [o, v] of optionPairs(args)) {
    if (o === '-enable-kvm') accel = 'kvm';
    else if (o === '-accel' && v) accel = at(splitOptionValue(v), 0).replace(/^accel=/, '');
    else if ((o === '-machine' || o === '-M') && v) {
      const kv = splitOptionValue(v).find((p) => p.startsWith('accel='));
      if (kv) accel = at(kv.slice(6).split(':'), 0);
    }
  }
  return (accel ?? 'tcg') as Accel;
}

/** The machine type the argv asks for (first positional part of -machine or type=). */
export function machineOf(args: readonly string[]): string | null {
  const v = optionValues(args, '-machine').at(-1);
  if (v === undefined) return null;
  const parts = splitOptionValue(v);
  const t = parts.find((p) => p.startsWith('type='));
  if (t) return t.slice(5);
  return parts[0] && !parts[0].includes('=') ? parts[0] : null;
}

function without(args: readonly string[], drop: (o: string, v: string | null) => boolean): [string, string | null][] {
  return optionPairs(args).filter(([o, v]) => !drop(o, v));
}

export interface DirectKernel {
  kernel: string;
  initrd?: string;
  append?: string;
}

/** Replaces any -kernel/-initrd/-append with the given ones. */
export function withDirectKernel(args: readonly string[], k: DirectKernel): string[] {
  const pairs = without(args, (o) => o === '-kernel' || o === '-initrd' || o === '-append');
  pairs.push(['-kernel', k.kernel]);
  if (k.initrd) pairs.push(['-initrd', k.initrd]);
  if (k.append !== undefined) pairs.push(['-append', k.append]);
  return fromPairs(pairs);
}

/**
 * Makes the argv manageable by the boot manager:
 * - QMP on a unix socket at `qmpPath` (replacing any -qmp);
 * - the first serial port on QEMU's stdout (replacing -serial, -nographic, stdio monitors);
 * - no display window, no default monitor, no -daemonize;
 * - -no-reboot, so a guest reset (panic with panic=-1, triple fault) ends QEMU instead of looping.
 */
export function withManagement(args: readonly string[], qmpPath: string): string[] {
  const stdioChardevs = new Set(
    optionPairs(args)
      .filter(([o, v]) => o === '-chardev' && v && splitOptionValue(v)[0] === 'stdio')
      .map(
        ([, v]) =>
          splitOptionValue(v ?? '')
            .find((p) => p.startsWith('id='))
            ?.slice(3) ?? '',
      ),
  );
  const pairs = without(args, (o, v) => {
    if (o === '-qmp' || o === '-qmp-pretty' || o === '-serial' || o === '-nographic' || o === '-daemonize') return true;
    if (o === '-monitor' && v !== null && (v === 'stdio' || v.startsWith('stdio,'))) return true;
    if (o === '-chardev' && v && splitOptionValue(v)[0] === 'stdio') return true;
    if ((o === '-mon' || o === '-monitor') && v && [...stdioChardevs].some((id) => id && v.includes(`chardev=${id}`))) return true;
    if (o === '-device' && v && [...stdioChardevs].some((id) => id && splitOptionValue(v).includes(`chardev=${id}`))) return true;
    return false;
  });
  const has = (o: string) => pairs.some(([x]) => x === o);
  if (!has('-display') && !has('-vnc') && !has('-spice')) pairs.push(['-display', 'none']);
  if (!has('-monitor') && !has('-mon')) pairs.push(['-monitor', 'none']);
  if (!has('-no-reboot')) pairs.push(['-no-reboot', null]);
  pairs.push(['-qmp', `unix:${escapeOptionValue(qmpPath)},server=on,wait=off`]);
  pairs.push(['-chardev', 'stdio,id=vcserial0,signal=off']);
  pairs.push(['-serial', 'chardev:vcserial0']);
  return fromPairs(pairs);
}

/**
 * The same VM under TCG: drops -enable-kvm and accel=kvm, uses -accel tcg, and turns the KVM-only
 * CPU settings into their TCG equivalents (host → max; KVM PV and Hyper-V properties removed).
 * The boot manager prefers re-planning for TCG when it has a planner; this is the fallback for a
 * bare argv.
 */
export function toTcg(args: readonly string[]): string[] {
  const pairs: [string, string | null][] = [];
  let accelSeen = false;
  for (const [o, v] of optionPairs(args)) {
    if (o === '-enable-kvm') continue;
    if (o === '-accel') {
      if (!accelSeen) pairs.push(['-accel', 'tcg']);
      accelSeen = true;
      continue;
    }
    if ((o === '-machine' || o === '-M') && v) {
      pairs.push([
        o,
        splitOptionValue(v)
          .filter((p) => !p.startsWith('accel=') && !p.startsWith('kernel-irqchip='))
          .map(escapeOptionValue)
          .join(','),
      ]);
      continue;
    }
    if (o === '-cpu' && v) {
      const [model, ...props] = splitOptionValue(v);
      const kept = props.filter((p) => !/^[+-]?(kvm[-_]|hv[-_]|host-|migratable|l3-cache|pmu)/.test(p));
      pairs.push(['-cpu', [model === 'host' ? 'max' : model, ...kept].join(',')]);
      continue;
    }
    if (o === '-global' && v && /^kvm[-_]/.test(v)) continue;
    pairs.push([o, v]);
  }
  if (!accelSeen) pairs.unshift(['-accel', 'tcg']);
  return fromPairs(pairs);
}
