#!/bin/sh
# /init of the virtcompat test guest (busybox ash, PID 1).
#
# Loads the device modules listed in /etc/virtcompat/modules (dependency order, computed at build
# time by build-test-guest.sh), waits for device probing to settle, prints what the guest sees as
# JSON lines between VIRTCOMPAT-REPORT-BEGIN and VIRTCOMPAT-REPORT-END on the console, and powers
# off. The parser is src/hypervisor-runtime/boot/report.ts; keep the two in step (REPORT_VERSION).
#
# Kernel command line knobs: virtcompat.settle_ms=N (how long device lists must stay unchanged,
# default 600), virtcompat.dmesg=1 (dump the whole kernel log after the report),
# virtcompat.hold=1 (do not power off; wait for an ACPI power button press instead).

REPORT_VERSION=1
PATH=/bin:/sbin
export PATH

mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /run /tmp
echo "VIRTCOMPAT-GUEST-INIT uptime=$(cut -d' ' -f1 /proc/uptime)"

ABI=$(uname -r)
SETTLE_MS=600
DUMP_DMESG=0
HOLD=0
for arg in $(cat /proc/cmdline); do
  case $arg in
    virtcompat.settle_ms=*) SETTLE_MS=${arg#*=} ;;
    virtcompat.dmesg=1) DUMP_DMESG=1 ;;
    virtcompat.hold=1) HOLD=1 ;;
  esac
done

TAB=$(printf '\t')
# esc VALUE: sets $E to VALUE escaped for a JSON string (no forks).
esc() {
  E=${1//\\/\\\\}
  E=${E//\"/\\\"}
  E=${E//$TAB/ }
}
# rd FILE: sets $R to the first line of FILE, or empty.
rd() {
  R=
  [ -r "$1" ] && read -r R <"$1" 2>/dev/null
}
# link_base LINK: sets $L to the basename of the symlink's target, or empty.
link_base() {
  L=
  [ -L "$1" ] && L=$(readlink "$1") && L=${L##*/}
}

# --- modules -------------------------------------------------------------------------------------
: >/run/modules.status
# Lines: "load NAME PATH DEP,DEP|-", "builtin NAME" or "missing NAME". A module whose dependency
# failed (hv_netvsc without Hyper-V's hv_vmbus) is skipped rather than tried.
failed=" "
while read -r action name path deps; do
  [ -z "$action" ] && continue
  err=
  case $action in
    load)
      for d in ${deps//,/ }; do
        case $failed in *" $d "*) err="dependency $d failed" ;; esac
      done
      if [ -n "$err" ]; then st=skipped; failed="$failed$name "
      elif [ -d "/sys/module/$name" ]; then st=present
      elif err=$(insmod "/lib/modules/$ABI/$path" 2>&1); then st=loaded; err=
      else st=failed; failed="$failed$name "
      fi ;;
    builtin) st=builtin ;;
    *) st=missing ;;
  esac
  echo "$name $st $err" >>/run/modules.status
done </etc/virtcompat/modules
# efivarfs (a module in Debian's kernel) tells the Secure Boot state.
[ -d /sys/firmware/efi/efivars ] && mount -t efivarfs efivarfs /sys/firmware/efi/efivars 2>/dev/null

# --- wait for probing to settle -------------------------------------------------------------------
# libata, SCSI and some NIC drivers finish probing asynchronously after insmod returns; wait until
# the lists of block devices, network interfaces and bound drivers stop changing.
snapshot() {
  S="$(ls /sys/block /sys/class/net /sys/bus/virtio/drivers/*/ /sys/class/tpm /sys/bus/usb/devices /sys/bus/usb/drivers/*/ 2>/dev/null)"
  for d in /sys/bus/pci/devices/*; do [ -L "$d/driver" ] && S="$S ${d##*/}"; done
}
snapshot; last=$S; stable=0; waited=0
while [ $stable -lt "$SETTLE_MS" ] && [ $waited -lt 15000 ]; do
  usleep 100000
  stable=$((stable + 100)); waited=$((waited + 100))
  snapshot
  if [ "$S" != "$last" ]; then last=$S; stable=0; fi
done

# --- report -------------------------------------------------------------------------------------
# Silence console printk so kernel messages do not interleave with the report lines.
echo 1 >/proc/sys/kernel/printk 2>/dev/null

out=/run/report
{
  rd /proc/uptime; up=${R%% *}
  rd /proc/cmdline; esc "$R"; cmdline=$E
  rd /sys/devices/system/clocksource/clocksource0/current_clocksource; cs=$R
  rd /sys/devices/system/clocksource/clocksource0/available_clocksource; csa=$R
  mem=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
  echo "{\"kind\":\"guest\",\"version\":$REPORT_VERSION,\"kernel\":\"$ABI\",\"uptime\":\"$up\",\"cpus\":$(nproc),\"mem_kib\":${mem:-0},\"cmdline\":\"$cmdline\",\"settle_waited_ms\":$waited}"
  echo "{\"kind\":\"clocksource\",\"current\":\"$cs\",\"available\":\"$csa\"}"

  # Firmware: UEFI or BIOS, Secure Boot state, DMI strings (machine type, firmware vendor).
  if [ -d /sys/firmware/efi ]; then
    rd /sys/firmware/efi/fw_platform_size; size=$R
    sb=unknown
    for f in /sys/firmware/efi/efivars/SecureBoot-*; do
      [ -r "$f" ] || continue
      # 4 bytes of attributes, then the value; efivarfs files do not seek, so read them whole.
      set -- $(od -An -tu1 "$f" 2>/dev/null); b=${5:-}
      case $b in 1) sb=on ;; 0) sb=off ;; esac
    done
    echo "{\"kind\":\"firmware\",\"uefi\":true,\"platform_size\":\"$size\",\"secure_boot\":\"$sb\"}"
  else
    echo "{\"kind\":\"firmware\",\"uefi\":false}"
  fi
  line="{\"kind\":\"dmi\""
  for k in sys_vendor product_name product_version bios_vendor bios_version board_name chassis_vendor; do
    rd "/sys/class/dmi/id/$k"; esc "$R"; line="$line,\"$k\":\"$E\""
  done
  echo "$line}"

  # CPU: the flags the guest sees (hypervisor bit), the hypervisor type from sysfs (Xen).
  flags=$(grep -m1 '^flags' /proc/cpuinfo); flags=${flags#*: }
  model=$(grep -m1 '^model name' /proc/cpuinfo); esc "${model#*: }"; model=$E
  rd /sys/hypervisor/type; hvtype=$R
  echo "{\"kind\":\"cpu\",\"model\":\"$model\",\"flags\":\"$flags\",\"sys_hypervisor_type\":\"$hvtype\"}"

  # PCI devices and their bound drivers.
  for d in /sys/bus/pci/devices/*; do
    [ -e "$d/vendor" ] || continue
    rd "$d/vendor"; v=${R#0x}; rd "$d/device"; dev=${R#0x}; rd "$d/class"; cls=${R#0x}
    rd "$d/subsystem_vendor"; sv=${R#0x}; rd "$d/subsystem_device"; sd=${R#0x}; rd "$d/revision"; rev=${R#0x}
    link_base "$d/driver"; drv=$L
    echo "{\"kind\":\"pci\",\"address\":\"${d##*/}\",\"vendor\":\"$v\",\"device\":\"$dev\",\"class\":\"$cls\",\"subsystem_vendor\":\"$sv\",\"subsystem_device\":\"$sd\",\"revision\":\"$rev\",\"driver\":\"$drv\"}"
  done

  # virtio devices: device id, the transport they sit on, the driver bound.
  for d in /sys/bus/virtio/devices/*; do
    [ -e "$d/device" ] || continue
    rd "$d/device"; id=$R; rd "$d/vendor"; v=$R
    link_base "$d/driver"; drv=$L
    p=$(readlink -f "$d"); p=${p%/*}; parent=${p##*/}
    echo "{\"kind\":\"virtio\",\"name\":\"${d##*/}\",\"device_id\":\"$id\",\"vendor\":\"$v\",\"driver\":\"$drv\",\"parent\":\"$parent\"}"
  done

  # Block devices: the bus they hang off and the controller's driver.
  for b in /sys/block/*; do
    [ -e "$b" ] || continue
    n=${b##*/}
    case $n in loop*|ram*|zram*) continue ;; esac
    p=$(readlink -f "$b/device" 2>/dev/null)
    case $p in
      */nvme*) bus=nvme ;;
      */ata[0-9]*) bus=ata ;;
      */virtio[0-9]*/host[0-9]*) bus=virtio-scsi ;;
      */virtio[0-9]*) bus=virtio ;;
      */usb[0-9]*) bus=usb ;;
      */vmbus*|*/VMBUS*) bus=hyperv ;;
      *vbd-*) bus=xen ;;
      */host[0-9]*) bus=scsi ;;
      '') bus=none ;;
      *) bus=other ;;
    esac
    link_base "$b/device/driver"; drv=$L
    # The PCI function the disk sits behind, and its driver (ahci, ata_piix, virtio-pci...).
    ctrl=; cdrv=; q=$p
    while [ -n "$q" ] && [ "$q" != /sys/devices ]; do
      case ${q##*/} in [0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7])
        ctrl=${q##*/}; link_base "$q/driver"; cdrv=$L; break ;;
      esac
      q=${q%/*}
    done
    rd "$b/size"; sz=${R:-0}
    rd "$b/removable"; rm=${R:-0}
    echo "{\"kind\":\"block\",\"name\":\"$n\",\"bus\":\"$bus\",\"driver\":\"$drv\",\"controller\":\"$ctrl\",\"controller_driver\":\"$cdrv\",\"sectors\":$sz,\"removable\":$rm,\"path\":\"$p\"}"
  done

  # Network interfaces and their drivers.
  for i in /sys/class/net/*; do
    [ -e "$i" ] || continue
    n=${i##*/}
    [ "$n" = lo ] && continue
    link_base "$i/device/driver"; drv=$L
    p=$(readlink -f "$i/device" 2>/dev/null)
    case $p in
      */virtio[0-9]*) bus=virtio ;;
      */vmbus*|*/VMBUS*) bus=hyperv ;;
      *vif-*) bus=xen ;;
      */usb[0-9]*) bus=usb ;;
      */pci[0-9]*) bus=pci ;;
      *) bus=other ;;
    esac
    ctrl=; q=$p
    while [ -n "$q" ] && [ "$q" != /sys/devices ]; do
      case ${q##*/} in [0-9a-f][0-9a-f][0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f].[0-7])
        ctrl=${q##*/}; break ;;
      esac
      q=${q%/*}
    done
    rd "$i/address"; mac=$R
    echo "{\"kind\":\"net\",\"name\":\"$n\",\"bus\":\"$bus\",\"driver\":\"$drv\",\"pci\":\"$ctrl\",\"mac\":\"$mac\"}"
  done

  # USB devices (not hubs) and the drivers bound to their interfaces.
  for u in /sys/bus/usb/devices/*; do
    [ -e "$u/idVendor" ] || continue
    rd "$u/bDeviceClass"; [ "$R" = 09 ] && continue
    rd "$u/idVendor"; v=$R; rd "$u/idProduct"; pr=$R; rd "$u/product"; esc "$R"; name=$E
    drvs=
    for i in "$u"/*:*; do
      [ -L "$i/driver" ] || continue
      link_base "$i/driver"; case " $drvs " in *" $L "*) ;; *) drvs="${drvs:+$drvs }$L" ;; esac
    done
    echo "{\"kind\":\"usb\",\"name\":\"${u##*/}\",\"vendor\":\"$v\",\"product\":\"$pr\",\"product_name\":\"$name\",\"drivers\":\"$drvs\"}"
  done

  # TPM.
  for t in /sys/class/tpm/tpm*; do
    [ -e "$t" ] || continue
    link_base "$t/device/driver"; drv=$L
    rd "$t/tpm_version_major"; ver=$R
    p=$(readlink -f "$t/device" 2>/dev/null); esc "${p##*/}"; dev=$E
    echo "{\"kind\":\"tpm\",\"name\":\"${t##*/}\",\"driver\":\"$drv\",\"version_major\":\"$ver\",\"device\":\"$dev\"}"
  done

  # Module load results.
  while read -r name st err; do
    esc "$err"
    echo "{\"kind\":\"module\",\"name\":\"$name\",\"status\":\"$st\",\"error\":\"$E\"}"
  done </run/modules.status

  # Kernel log lines about the hypervisor, paravirt features, clocks, firmware and TPM.
  dmesg | grep -iE 'hypervisor|kvm|xen|hyper-v|hyperv|vmware|paravirt|pv[ _-]|clocksource|tsc:|efi:|secureboot|tpm|virtio' \
    | grep -v -e 'VIRTCOMPAT' -e 'Unknown symbol' | head -n 120 | tr -d '\000-\010\013-\037\177' \
    | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/ /g' -e 's/^/{"kind":"dmesg","line":"/' -e 's/$/"}/'
} >$out 2>/dev/null

echo VIRTCOMPAT-REPORT-BEGIN
cat $out
echo "VIRTCOMPAT-REPORT-END lines=$(wc -l <$out)"

if [ "$DUMP_DMESG" = 1 ]; then
  echo VIRTCOMPAT-DMESG-BEGIN
  dmesg
  echo VIRTCOMPAT-DMESG-END
fi

if [ "$HOLD" = 1 ]; then
  # Wait for the ACPI power button (QMP system_powerdown), then power off. The event device is
  # opened before the marker is printed, so a press right after the marker is not lost.
  for e in /sys/class/input/event*; do
    [ "$(cat "$e/device/name" 2>/dev/null)" = "Power Button" ] && { exec 3<"/dev/input/${e##*/}"; break; }
  done
  echo "VIRTCOMPAT-GUEST-HOLD"
  dd bs=24 count=1 <&3 >/dev/null 2>&1 || while :; do sleep 3600; done
  echo "VIRTCOMPAT-GUEST-POWER-BUTTON"
fi
# The console is buffered: wait until the UART has sent everything (its tx count stops moving), or
# the end of the report would be lost when the machine powers off.
txcount() { T=$(sed -n 's/^0:.* tx:\([0-9]*\).*/\1/p' /proc/tty/driver/serial 2>/dev/null); }
txcount; prev=; n=0
while [ "$T" != "$prev" ] && [ $n -lt 100 ]; do prev=$T; usleep 50000; txcount; n=$((n + 1)); done
sync
poweroff -f
sleep 5
echo o >/proc/sysrq-trigger
