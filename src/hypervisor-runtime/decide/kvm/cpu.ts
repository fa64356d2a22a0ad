import { baselineModel } from '../../cpu-models.ts';
import { type Acceleration, type Plan } from '../../plan.ts';
import { type Ctx, because } from '../context.ts';

export function decideKvmCpu(ctx: Ctx, accel: Acceleration, vcpus: number): Plan['cpu'] {
  const { host, release } = ctx;
  const topology = { sockets: 1, cores: vcpus, threads: 1 };
  const records = [release.id];
  if (ctx.migrationHosts.length) {
    const hosts = [host, ...ctx.migrationHosts];
    const available = hosts.every((h) => h.qemu)
      ? hosts.map((h) => h.qemu!.cpuModels).reduce((a, b) => a.filter((x) => b.includes(x)))
      : null;
    const { model, missing } = baselineModel(
      hosts.map((h) => ({ name: h.name, vendor: h.cpu.vendor, flags: h.cpu.flags })),
      available,
    );
    return {
      mode: 'named',
      model: model.name,
      disabledFeatures: [],
      vcpus,
      topology,
      because: because(
        `live migration across ${hosts.map((h) => h.name).join(', ')} needs one CPU model every host can run: ${model.name} is the newest whose features all hosts have`,
        'cpu.migration-baseline',
        records,
        { rejected: missing.map((m) => ({ option: m.model, why: `${m.host} lacks ${m.flags.join(', ')}` })) },
      ),
    };
  }
  if (accel === 'tcg')
    return {
      mode: 'max',
      model: 'max',
      disabledFeatures: [],
      vcpus,
      topology,
      because: because(`TCG cannot pass the host CPU through; 'max' exposes every feature TCG emulates`, 'cpu.tcg-max', records, {
        differsFrom: {
          tool: 'virt-install',
          theirs: 'hypervisor default (qemu64)',
          why: "qemu64 lacks SSE4.2/POPCNT that current guests (Windows 11, RHEL 9's x86-64-v2) need; 'max' has them",
        },
      }),
    };
  if (host.kvm.hostPassthrough === 'unusable') {
    const { model } = baselineModel([{ name: host.name, vendor: host.cpu.vendor, flags: host.cpu.flags }], host.qemu?.cpuModels ?? null);
    return {
      mode: 'named',
      model: model.name,
      disabledFeatures: [],
      vcpus,
      topology,
      because: because(
        `the probe found -cpu host fails on ${host.name}; ${model.name} is the newest named model its CPU covers`,
        'cpu.host-unusable',
        records,
        {
          differsFrom: { tool: 'virt-install', theirs: 'host-passthrough', why: 'host-passthrough does not start on this host' },
        },
      ),
    };
  }
  const off = host.kvm.hostCpuFlagsOff;
  return {
    mode: 'host-passthrough',
    model: null,
    disabledFeatures: off,
    vcpus,
    topology,
    because: because(
      `KVM without migration constraints: pass the host CPU through (fastest; what virt-install picks)${off.length ? `, with ${off.join(', ')} off because ${host.name}'s KVM refuses it (probe)` : ''}`,
      'cpu.host-passthrough',
      records,
    ),
  };
}
