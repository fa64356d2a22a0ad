// Plan → human text for `plan --explain`: reads like a review — what was chosen, why, on which records,
// what was passed over, and where it knowingly differs from virt-install.
import type { Because, Plan, PlanError, PlannedDevice } from './plan.ts';

function why(b: Because, indent: string): string[] {
  const out = [`${indent}why: ${b.reason}`];
  if (b.rejected?.length) out.push(`${indent}passed over: ${b.rejected.map((r) => `${r.option} (${r.why})`).join('; ')}`);
  if (b.differsFrom) out.push(`${indent}differs from ${b.differsFrom.tool} (${b.differsFrom.theirs}): ${b.differsFrom.why}`);
  out.push(`${indent}rule ${b.rule}; records: ${b.records.join(', ') || 'none'}`);
  return out;
}

function deviceLine(d: PlannedDevice): string {
  const what =
    d.role === 'disk' || d.role === 'cdrom'
      ? `${d.disk?.source} (${d.disk?.format}${d.disk?.readonly ? ', read-only' : ''}) on ${d.bus}`
      : d.role === 'nic'
        ? d.path === 'passthrough'
          ? `host ${d.passthrough!.hostAddress}${d.passthrough!.vf ? ` (VF of ${d.passthrough!.physfn})` : ''}`
          : `${d.nic!.backend}${d.nic!.bridge ? ` ${d.nic!.bridge}` : ''}${d.nic!.tap ? ` ${d.nic!.tap}` : ''}, MAC ${d.nic!.mac}`
        : d.bus;
  const drv = d.driver
    ? `, guest driver ${d.driver.source.toLowerCase()}${d.driver.name ? ` ${d.driver.name}` : ''}${d.driver.build ? ` ${d.driver.build}` : ''}`
    : '';
  return `${d.id.padEnd(9)} ${d.role.padEnd(12)} ${d.model} [${d.path}${d.paravirtInterface !== 'NONE' ? `, ${d.paravirtInterface.toLowerCase().replace(/_/g, ' ')}` : ''}] — ${what}${drv}`;
}

export function explainPlan(plan: Plan): string {
  const L: string[] = [];
  const f = plan.facts;
  L.push(
    `Plan for ${plan.name}: ${plan.guest.name} (${plan.guest.shortId ?? plan.guest.id}) on ${plan.hypervisor.key} ${plan.hypervisor.version}, host ${plan.host.name} (${plan.host.arch})`,
  );
  L.push(
    `Facts: ${f.source === 'service' ? `from ${f.service}` : `from the local snapshot (${f.fallbackReason ?? 'offline'})`}, catalogue ${f.catalogueVersion}, fetched ${f.fetchedAt}${f.ageSeconds > 0 ? ` (${Math.round(f.ageSeconds / 60)} min ago)` : ''}`,
  );
  if (plan.warnings.length) {
    L.push('', 'Warnings:');
    for (const w of plan.warnings) L.push(`  ! ${w}`);
  }
  const section = (title: string, value: string, b: Because) => {
    L.push('', `${title}: ${value}`, ...why(b, '  '));
  };
  section('Hypervisor release', `${plan.hypervisor.releaseId}`, plan.hypervisor.because);
  section('Acceleration', plan.acceleration.mode, plan.acceleration.because);
  section('Backend', plan.backend.key, plan.backend.because);
  section('Machine', `${plan.machine.type}${plan.machine.versioned ? ` (${plan.machine.versioned})` : ''}`, plan.machine.because);
  section(
    'Firmware',
    `${plan.firmware.type}${plan.firmware.secureBoot ? ' with Secure Boot' : ''}${plan.firmware.code ? ` — ${plan.firmware.code}` : ''}${plan.firmware.template ? ` (template ${plan.firmware.template})` : ''}`,
    plan.firmware.because,
  );
  section(
    'CPU',
    `${plan.cpu.mode}${plan.cpu.model && plan.cpu.mode !== 'max' ? ` ${plan.cpu.model}` : ''}, ${plan.cpu.vcpus} vCPU (${plan.cpu.topology.sockets} socket × ${plan.cpu.topology.cores} cores × ${plan.cpu.topology.threads} threads)${plan.cpu.disabledFeatures.length ? `, without ${plan.cpu.disabledFeatures.join(', ')}` : ''}`,
    plan.cpu.because,
  );
  section('Memory', `${plan.memory.mib} MiB`, plan.memory.because);
  section('Resources', 'checked', plan.resources.because);
  section(
    'Clock',
    `${plan.clock.offset}${plan.clock.timers.length ? `; timers ${plan.clock.timers.map((t) => `${t.name}${t.tickpolicy ? `=${t.tickpolicy}` : ''}${t.present === false ? ' off' : ''}`).join(', ')}` : ''}`,
    plan.clock.because,
  );
  section(
    'Features',
    [plan.features.acpi && 'acpi', plan.features.apic && 'apic', plan.features.smm && 'smm', plan.features.vmport === false && 'vmport off']
      .filter(Boolean)
      .join(', ') || 'none',
    plan.features.because,
  );
  section(
    'TPM',
    plan.tpm.present ? `${plan.tpm.model} ${plan.tpm.version ?? ''} (${plan.tpm.backend ?? 'hypervisor'})` : 'none',
    plan.tpm.because,
  );
  section('Graphics', plan.graphics.type, plan.graphics.because);
  if (plan.migration) section('Migration', plan.migration.hosts.join(', '), plan.migration.because);

  if (plan.paravirt.length) {
    L.push('', 'Paravirtual features:');
    const on = plan.paravirt.filter((p) => p.enabled);
    const off = plan.paravirt.filter((p) => !p.enabled);
    for (const p of on) {
      L.push(
        `  + ${p.key}${
          p.options
            ? ` (${Object.entries(p.options)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')})`
            : ''
        }: ${p.because.reason}`,
      );
      if (p.because.differsFrom)
        L.push(`      differs from ${p.because.differsFrom.tool} (${p.because.differsFrom.theirs}): ${p.because.differsFrom.why}`);
    }
    for (const p of off) {
      L.push(`  - ${p.key}: ${p.because.reason}`);
      if (p.because.differsFrom)
        L.push(`      differs from ${p.because.differsFrom.tool} (${p.because.differsFrom.theirs}): ${p.because.differsFrom.why}`);
    }
  }
  L.push('', 'Devices:');
  for (const d of plan.devices) {
    L.push(`  ${deviceLine(d)}`);
    L.push(...why(d.because, '      '));
  }
  // plans saved before driver builds were planned have no `drivers`
  if (plan.drivers?.length) {
    L.push('', 'Add-on drivers:');
    for (const dr of plan.drivers) {
      L.push(
        `  ${dr.package} ${dr.build ? dr.build.version : '(no build)'} for ${dr.arch} — ${dr.build ? 'used by' : 'fell back'}: ${dr.devices.join(', ')}${dr.media ? `; disc ${dr.media.path} as ${dr.media.device}` : ''}`,
      );
      L.push(...why(dr.because, '      '));
    }
  }
  if (plan.omitted.length) {
    L.push('', 'Left out:');
    for (const o of plan.omitted) {
      L.push(`  ${o.id.padEnd(9)} ${o.role}`);
      L.push(...why(o.because, '      '));
    }
  }
  if (plan.boot)
    L.push(
      '',
      `Direct kernel boot: ${plan.boot.kernel}${plan.boot.initrd ? ` + ${plan.boot.initrd}` : ''}${plan.boot.cmdline ? ` — "${plan.boot.cmdline}"` : ''}${plan.boot.toProvide ? ` (to provide: ${plan.boot.toProvide})` : ''}`,
    );
  return L.join('\n') + '\n';
}

export function explainError(err: PlanError): string {
  return (
    [
      `No plan: ${err.message}`,
      `  failed requirement: ${err.requirement}`,
      `  error code: ${err.code}`,
      ...(err.records.length ? [`  records: ${err.records.join(', ')}`] : []),
    ].join('\n') + '\n'
  );
}
