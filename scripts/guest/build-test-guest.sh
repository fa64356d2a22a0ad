#!/usr/bin/env bash
# Builds the virtcompat test guest: a Debian kernel and a busybox initramfs whose /init
# (scripts/guest/init.sh) loads the kernel's virtio, e1000/e1000e, ATA/AHCI, NVMe, Xen, Hyper-V,
# VMware, USB and TPM drivers that exist, prints a machine-readable report of what the guest sees
# on the serial console (VIRTCOMPAT-REPORT-BEGIN ... VIRTCOMPAT-REPORT-END, JSON lines) and
# powers off. `virtcompat boot` and test/boot-e2e.test.ts boot it.
#
# Usage: scripts/guest/build-test-guest.sh [--cache DIR] [--kernel-package NAME] [--refresh]
#                                          [--force] [--json] [--quiet]
#   --cache DIR            where to keep the download and the build (default: <repo>/.cache/guest,
#                          or $VIRTCOMPAT_GUEST_CACHE)
#   --kernel-package NAME  Debian kernel package, e.g. linux-image-6.1.0-56-amd64 (default: what
#                          the linux-image-amd64 metapackage depends on, or $VIRTCOMPAT_GUEST_KERNEL_PACKAGE)
#   --refresh              ask apt again which kernel is current instead of reusing the last build's
#   --force                rebuild the initramfs even if it is up to date
#   --json                 print the manifest (guest.json) on stdout
#   --quiet                no progress messages
#
# Needs: apt-get (the Debian mirror), dpkg, kmod (modinfo), busybox-static, cpio, gzip; xz-utils for
# the optional PVH kernel (vmlinux).
# Result: <cache>/guest.json naming the kernel and initramfs; a second run with nothing changed
# only checks the stamp and takes a few milliseconds.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${VIRTCOMPAT_GUEST_CACHE:-$repo/.cache/guest}
pkg=${VIRTCOMPAT_GUEST_KERNEL_PACKAGE:-}
refresh=0 force=0 json=0 quiet=0
while [ $# -gt 0 ]; do
  case $1 in
    --cache) cache=$2; shift 2 ;;
    --cache=*) cache=${1#*=}; shift ;;
    --kernel-package) pkg=$2; shift 2 ;;
    --kernel-package=*) pkg=${1#*=}; shift ;;
    --refresh) refresh=1; shift ;;
    --force) force=1; shift ;;
    --json) json=1; shift ;;
    --quiet) quiet=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "build-test-guest: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done

say() { [ "$quiet" = 1 ] || echo "build-test-guest: $*" >&2; }
die() { echo "build-test-guest: $*" >&2; exit 1; }

# The drivers the guest loads, in the order preferred when dependencies allow (SCSI disk and CD
# drivers before the controllers, so disks bind while the controllers scan). Names use '_'.
MODULES="
  button evdev efivarfs
  virtio virtio_ring virtio_pci virtio_mmio
  scsi_mod sd_mod sr_mod
  virtio_blk virtio_scsi virtio_net virtio_rng virtio_balloon virtio_console virtio_input virtio_mem
  libata ahci ata_piix ata_generic nvme
  e1000 e1000e 8139cp 8139too ne2k_pci pcnet32
  vmxnet3 vmw_pvscsi vmw_balloon vmw_vmci
  xen_netfront xen_blkfront xen_kbdfront xen_tpmfront
  hv_vmbus hv_utils hv_balloon hv_netvsc hv_storvsc hyperv_keyboard hid_hyperv
  tpm tpm_tis tpm_crb
  usbcore xhci_pci ehci_pci uhci_hcd usbhid hid_generic
  pvpanic_pci i6300esb sym53c8xx
  snd_hda_intel snd_hda_codec_generic snd_intel8x0
  bochs cirrus qxl virtio_gpu
"

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
exec 9>"$cache/.lock"
flock 9

for tool in dpkg dpkg-deb modinfo cpio gzip sha256sum flock; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian packages: dpkg kmod cpio gzip coreutils util-linux)"
done
busybox=/bin/busybox
[ -x "$busybox" ] || die "$busybox not found (Debian package busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then die "$busybox is dynamically linked; install busybox-static"; fi

# Stamp: anything that changes the initramfs content.
stamp_of() {
  { cat "${BASH_SOURCE[0]}" "$here/init.sh"; "$busybox" 2>&1 | head -n1; echo "$1"; } | sha256sum | cut -c1-16
}

manifest=$cache/guest.json
if [ -z "$pkg" ] && [ "$refresh" = 0 ] && [ -f "$manifest" ]; then
  pkg=$(sed -n 's/.*"package": *"\([^"]*\)".*/\1/p' "$manifest")
fi
if [ -z "$pkg" ]; then
  command -v apt-cache >/dev/null || die "apt-cache not found; pass --kernel-package with a .deb in $cache/debs"
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1 || true)
  if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
    say "apt knows no linux-image-amd64; running apt-get update"
    apt-get update -qq >&2 || true
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1 || true)
  fi
  if [ -z "$pkg" ]; then
    pkg=$(apt-cache search --names-only '^linux-image-[0-9][0-9.]*-[0-9]+-amd64$' 2>/dev/null | cut -d' ' -f1 | sort -V | tail -n1 || true)
  fi
  [ -n "$pkg" ] || die "apt offers no linux-image-*-amd64 package (run apt-get update?)"
fi
case $pkg in
  *-unsigned|*-dbg|*-dbg-*) die "$pkg: use the signed image package, not -unsigned or -dbg" ;;
  linux-image-*-amd64) ;;
  *) die "$pkg does not look like a Debian amd64 kernel image package" ;;
esac
abi=${pkg#linux-image-}
work=$cache/$abi
stamp=$(stamp_of "$pkg")
kernel=$work/vmlinuz
initrd=$work/initramfs.cpio.gz

if [ "$force" = 0 ] && [ -f "$work/stamp" ] && [ "$(cat "$work/stamp")" = "$stamp" ] && [ -f "$kernel" ] && [ -f "$initrd" ]; then
  say "up to date: $pkg ($work)"
else
  # 1. The kernel package.
  mkdir -p "$cache/debs"
  deb=$(ls "$cache/debs/${pkg}"_*_amd64.deb 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$deb" ]; then
    say "downloading $pkg with apt-get"
    (cd "$cache/debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) \
      || die "apt-get download $pkg failed (network to the Debian mirror? apt-get update?)"
    deb=$(ls "$cache/debs/${pkg}"_*_amd64.deb | sort -V | tail -n1)
  fi
  dpkg-deb -I "$deb" >/dev/null || die "$deb is not a valid Debian package"
  version=$(dpkg-deb -f "$deb" Version)

  # 2. Unpack it (kept, so a changed init only costs the initramfs).
  root=$work/root
  if [ ! -f "$work/.unpacked" ] || [ "$(cat "$work/.unpacked")" != "$deb" ]; then
    say "unpacking $(basename "$deb")"
    rm -rf "$root"; mkdir -p "$root"
    dpkg -x "$deb" "$root"
    echo "$deb" >"$work/.unpacked"
  fi
  moddir=$root/lib/modules/$abi
  [ -d "$moddir" ] || die "$deb has no lib/modules/$abi"
  [ -f "$root/boot/vmlinuz-$abi" ] || die "$deb has no boot/vmlinuz-$abi"

  # 3. Module order, from modinfo -F depends against the unpacked tree.
  say "resolving module dependencies"
  declare -A path_of=() builtin=() state=()
  while IFS= read -r rel; do
    n=${rel##*/}; n=${n%.ko}; path_of[${n//-/_}]=$rel
  done < <(cd "$moddir" && find kernel -name '*.ko')
  if [ -f "$moddir/modules.builtin" ]; then
    while IFS= read -r rel; do
      n=${rel##*/}; n=${n%.ko}; builtin[${n//-/_}]=1
    done <"$moddir/modules.builtin"
  fi
  order=()
  visit() {
    local n=${1//-/_} dep
    case ${state[$n]:-} in done|visiting) return ;; esac
    if [ -n "${builtin[$n]:-}" ]; then order+=("builtin $n"); state[$n]=done; return; fi
    if [ -z "${path_of[$n]:-}" ]; then order+=("missing $n"); state[$n]=done; return; fi
    state[$n]=visiting
    local deps=$(modinfo -F depends "$moddir/${path_of[$n]}" | tr ',-' ' _')
    for dep in $deps; do visit "$dep"; done
    deps=$(echo $deps | tr ' ' ',')
    order+=("load $n ${path_of[$n]} ${deps:--}")
    state[$n]=done
  }
  for m in $MODULES; do visit "$m"; done

  # 4. The initramfs.
  say "building initramfs"
  stage=$work/stage
  rm -rf "$stage"
  mkdir -p "$stage"/{bin,sbin,dev,proc,sys,run,tmp,etc/virtcompat,lib/modules/"$abi"}
  cp "$busybox" "$stage/bin/busybox"
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$stage/bin/$applet"
  done
  install -m 0755 "$here/init.sh" "$stage/init"
  : >"$stage/etc/virtcompat/modules"
  for line in "${order[@]}"; do
    echo "$line" >>"$stage/etc/virtcompat/modules"
    set -- $line
    if [ "$1" = load ]; then
      mkdir -p "$stage/lib/modules/$abi/$(dirname "$3")"
      cp "$moddir/$3" "$stage/lib/modules/$abi/$3"
    fi
  done
  printf '{"package":"%s","version":"%s","abi":"%s"}\n' "$pkg" "$version" "$abi" >"$stage/etc/virtcompat/guest.json"
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc --owner=0:0 --reproducible) | gzip -1 -n >"$initrd.tmp"
  mv "$initrd.tmp" "$initrd"
  cp "$root/boot/vmlinuz-$abi" "$kernel"
  # 5. The same kernel uncompressed (ELF vmlinux) for PVH direct boot: QEMU enters it at its PVH
  #    note, skipping the bzImage decompressor, which costs seconds under TCG. BIOS boots only; UEFI
  #    (OVMF) needs the bzImage. The xz payload sits at (setup_sects+1)*512 + payload_offset.
  rm -f "$work/vmlinux"
  if grep -q '^CONFIG_PVH=y' "$root/boot/config-$abi" && command -v xz >/dev/null; then
    setup_sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$kernel" | tr -d ' ')
    payload_offset=$(od -An -tu4 -j $((0x248)) -N4 "$kernel" | tr -d ' ')
    payload_length=$(od -An -tu4 -j $((0x24c)) -N4 "$kernel" | tr -d ' ')
    start=$(( (setup_sects + 1) * 512 + payload_offset ))
    if tail -c +$((start + 1)) "$kernel" | head -c "$payload_length" | xz -dcq >"$work/vmlinux.tmp" 2>/dev/null \
      || [ "$(head -c 4 "$work/vmlinux.tmp" | od -An -c | tr -d ' ')" = '177ELF' ]; then
      mv "$work/vmlinux.tmp" "$work/vmlinux"
    else
      rm -f "$work/vmlinux.tmp"; say "could not extract vmlinux for PVH boot (not xz?); BIOS boots use the bzImage"
    fi
  fi
  rm -rf "$stage"
  echo "$stamp" >"$work/stamp"
  echo "$version" >"$work/version"
  loaded=$(printf '%s\n' "${order[@]}" | grep -c '^load ' || true)
  say "built $initrd ($(du -h "$initrd" | cut -f1), $loaded modules)"
fi

version=$(cat "$work/version")
tmp=$manifest.tmp
pvh=null
[ -f "$work/vmlinux" ] && pvh="\"$work/vmlinux\""
printf '{\n  "package": "%s",\n  "version": "%s",\n  "abi": "%s",\n  "kernel": "%s",\n  "kernelPvh": %s,\n  "initrd": "%s",\n  "stamp": "%s"\n}\n' \
  "$pkg" "$version" "$abi" "$kernel" "$pvh" "$initrd" "$stamp" >"$tmp"
mv "$tmp" "$manifest"
if [ "$json" = 1 ]; then cat "$manifest"; else say "manifest: $manifest"; fi
