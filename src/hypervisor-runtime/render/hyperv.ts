// Plan → a PowerShell script of Hyper-V cmdlets (the Hyper-V module on Windows Server / Windows). PURE.
// Cmdlets and parameters as Microsoft Learn documents them (learn.microsoft.com/powershell/module/hyper-v/):
// New-VM -Generation -MemoryStartupBytes -NoVHD -Version, Set-VMProcessor -Count, Set-VMMemory
// -DynamicMemoryEnabled, Add-VMHardDiskDrive -ControllerType -ControllerNumber -ControllerLocation -Path,
// Add-VMDvdDrive, Add-VMNetworkAdapter -SwitchName -StaticMacAddress -IsLegacy, Set-VMFirmware
// -EnableSecureBoot -SecureBootTemplate -FirstBootDevice, Set-VMBios -StartupOrder, Set-VMKeyProtector
// -NewLocalKeyProtector, Enable-VMTPM.
import type { Plan } from '../plan.ts';
import { commentLine, RenderError } from './common.ts';

/** A PowerShell single-quoted string literal ('' escapes a quote). */
export function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** 52:54:00:12:34:56 → 525400123456, the form -StaticMacAddress takes. */
export function psMac(mac: string): string {
  return mac.replace(/[:-]/g, '').toUpperCase();
}

export interface HypervRenderOptions {
  /** Virtual switch each NIC is connected to when the plan names no bridge (default: none, the NIC stays unconnected). */
  defaultSwitch?: string;
}

export function renderHypervPs(plan: Plan, opts: HypervRenderOptions = {}): string {
  if (plan.hypervisor.family !== 'HYPERV')
    throw new RenderError(`the Hyper-V PowerShell script renders Hyper-V plans; this plan targets ${plan.hypervisor.key}`);
  const gen2 = plan.machine.type === 'generation-2';
  const L: string[] = [];
  const c = (s: string) => L.push(`# ${commentLine(s)}`);
  c(
    `virtcompat: ${plan.guest.shortId ?? plan.guest.id} on ${plan.hypervisor.key} ${plan.hypervisor.version} (catalogue ${plan.facts.catalogueVersion})`,
  );
  c(plan.backend.because.reason);
  L.push('#Requires -Modules Hyper-V', "$ErrorActionPreference = 'Stop'", `$vm = ${psQuote(plan.name)}`, '');
  for (const d of plan.devices) if (d.disk?.convertFrom) c(`${d.id}: convert the image first: ${d.disk.convertFrom.argv.join(' ')}`);

  const version = plan.machine.versioned ? ` -Version ${plan.machine.versioned}` : '';
  L.push(`New-VM -Name $vm -Generation ${gen2 ? 2 : 1} -MemoryStartupBytes ${plan.memory.mib}MB -NoVHD${version} | Out-Null`);
  // New-VM adds one network adapter of its own; the plan's NICs replace it
  L.push('Get-VMNetworkAdapter -VMName $vm | Remove-VMNetworkAdapter');
  L.push(`Set-VMProcessor -VMName $vm -Count ${plan.cpu.vcpus}`);
  L.push(`Set-VMMemory -VMName $vm -DynamicMemoryEnabled $false -StartupBytes ${plan.memory.mib}MB`);
  if (!gen2) {
    // a generation 1 VM comes with a DVD drive on IDE 1:0; the plan's drives replace it
    L.push('Get-VMDvdDrive -VMName $vm | Remove-VMDvdDrive');
  }
  L.push('');

  // disks: IDE (generation 1 boot disk) or SCSI (VMBus storvsc); 2 IDE controllers x 2 locations, SCSI 64 per controller
  const ide = { n: 0 };
  const scsi = { n: 0 };
  const slots = new Map<string, string>();
  for (const d of plan.devices.filter((x) => x.role === 'disk' || x.role === 'cdrom')) {
    c(`${d.id}: ${d.because.reason}`);
    const onIde = d.bus === 'ide';
    if (onIde && gen2) throw new RenderError(`${d.id}: generation 2 VMs have no IDE controller`);
    let ctl: number;
    let loc: number;
    if (onIde) {
      if (ide.n >= 4) throw new RenderError(`${d.id}: a generation 1 VM has 4 IDE locations; the plan has more IDE drives`);
      [ctl, loc] = [Math.floor(ide.n / 2), ide.n % 2];
      ide.n++;
    } else {
      if (scsi.n >= 64) throw new RenderError(`${d.id}: more than 64 drives on SCSI controller 0`);
      if (scsi.n === 0 && !gen2) L.push('Add-VMScsiController -VMName $vm');
      [ctl, loc] = [0, scsi.n];
      scsi.n++;
    }
    const src = d.disk?.source;
    if (!src) throw new RenderError(`${d.id}: no image`);
    const v = `$${d.id.replace(/[^A-Za-z0-9_]/g, '_')}`;
    // Add-VMDvdDrive takes the controller the VM has at that number (IDE on generation 1, SCSI on 2)
    if (d.role === 'cdrom')
      L.push(`${v} = Add-VMDvdDrive -VMName $vm -ControllerNumber ${ctl} -ControllerLocation ${loc} -Path ${psQuote(src)} -Passthru`);
    else
      L.push(
        `${v} = Add-VMHardDiskDrive -VMName $vm -ControllerType ${onIde ? 'IDE' : 'SCSI'} -ControllerNumber ${ctl} -ControllerLocation ${loc} -Path ${psQuote(src)} -Passthru`,
      );
    slots.set(d.id, v);
  }
  L.push('');

  // NICs: synthetic (netvsc) or legacy (emulated DEC 21140, generation 1 only), MAC kept as planned
  for (const d of plan.devices.filter((x) => x.role === 'nic')) {
    c(`${d.id}: ${d.because.reason}`);
    if (d.path === 'passthrough')
      throw new RenderError(`${d.id}: PCI passthrough (DDA) is not rendered; assign it with Add-VMAssignableDevice`);
    const n = d.nic;
    if (!n) throw new RenderError(`${d.id}: no network settings`);
    const legacy = d.bus !== 'vmbus';
    if (legacy && gen2) throw new RenderError(`${d.id}: generation 2 VMs have no legacy network adapter`);
    const sw = n.bridge ?? opts.defaultSwitch;
    const v = `$${d.id.replace(/[^A-Za-z0-9_]/g, '_')}`;
    L.push(
      `${v} = Add-VMNetworkAdapter -VMName $vm -Name ${psQuote(d.id)}${legacy ? ' -IsLegacy $true' : ''}${sw ? ` -SwitchName ${psQuote(sw)}` : ''} -StaticMacAddress ${psQuote(psMac(n.mac))} -Passthru`,
    );
    slots.set(d.id, v);
  }
  L.push('');

  // firmware and boot order
  c(plan.firmware.because.reason);
  const bootDisk = plan.devices
    .filter((d) => d.disk?.bootIndex != null)
    .sort((a, b) => (a.disk?.bootIndex ?? 0) - (b.disk?.bootIndex ?? 0))[0];
  if (gen2) {
    const sb = plan.firmware.secureBoot ? 'On' : 'Off';
    const tmpl = plan.firmware.secureBoot && plan.firmware.template ? ` -SecureBootTemplate ${psQuote(plan.firmware.template)}` : '';
    const first = bootDisk ? ` -FirstBootDevice ${slots.get(bootDisk.id)}` : '';
    L.push(`Set-VMFirmware -VMName $vm -EnableSecureBoot ${sb}${tmpl}${first}`);
  } else {
    const order =
      bootDisk?.bus === 'ide' ? "'IDE', 'CD', 'LegacyNetworkAdapter', 'Floppy'" : "'CD', 'IDE', 'LegacyNetworkAdapter', 'Floppy'";
    L.push(`Set-VMBios -VMName $vm -StartupOrder @(${order})`);
    if (bootDisk && bootDisk.bus !== 'ide') c(`${bootDisk.id}: a generation 1 VM boots only from IDE; this disk is on ${bootDisk.bus}`);
  }

  // TPM (generation 2): a key protector first
  if (plan.tpm.present) {
    if (!gen2) throw new RenderError('the vTPM needs a generation 2 VM');
    c(plan.tpm.because.reason);
    L.push('Set-VMKeyProtector -VMName $vm -NewLocalKeyProtector', 'Enable-VMTPM -VMName $vm');
  }

  // Hyper-V enlightenments are always on; integration services as planned
  const pv = plan.paravirt.filter((p) => p.family === 'HYPERV' && p.enabled).map((p) => p.key);
  if (pv.length) c(`enlightenments presented by Hyper-V itself: ${pv.join(', ')}`);
  L.push('Enable-VMIntegrationService -VMName $vm -Name (Get-VMIntegrationService -VMName $vm).Name');
  return L.join('\n') + '\n';
}
