#!/usr/bin/env python3
"""Print what libosinfo itself computes from an osinfo database, as JSON on stdout.

Loads the database the way virt-install does (Libosinfo through GObject introspection,
Loader.process_default_path(), honouring OSINFO_SYSTEM_DIR / OSINFO_LOCAL_DIR / OSINFO_USER_DIR),
then prints for every OS (or the ids given as arguments) its short ids, name, derives-from /
clones parents and the effective device ids: os.get_all_devices(None), i.e. inheritance along
derives-from and clones resolved and supported="false" removals applied.

Usage: libosinfo_dump.py [OS_ID ...]
Output: {"libosinfo": "1.10.0", "oses": {"<id>": {"shortIds": [...], "name": "...",
         "derivesFrom": [...], "clones": [...], "devices": ["<device id>", ...]}}}
"""
import json
import sys

import gi

gi.require_version("Libosinfo", "1.0")
from gi.repository import Libosinfo  # noqa: E402


def ids(entity_list):
    return sorted(entity_list.get_nth(i).get_id() for i in range(entity_list.get_length()))


def main(argv):
    loader = Libosinfo.Loader()
    loader.process_default_path()
    db = loader.get_db()
    wanted = set(argv[1:])
    out = {}
    oses = db.get_os_list()
    for i in range(oses.get_length()):
        os = oses.get_nth(i)
        oid = os.get_id()
        if wanted and oid not in wanted:
            continue
        out[oid] = {
            "shortIds": list(os.get_short_id_list()),
            "name": os.get_name(),
            "derivesFrom": ids(os.get_related(Libosinfo.ProductRelationship.DERIVES_FROM)),
            "clones": ids(os.get_related(Libosinfo.ProductRelationship.CLONES)),
            "devices": ids(os.get_all_devices(None)),
        }
    missing = sorted(wanted - set(out))
    version = "%d.%d.%d" % (Libosinfo.MAJOR_VERSION, Libosinfo.MINOR_VERSION, Libosinfo.MICRO_VERSION)
    json.dump({"libosinfo": version, "oses": out, "missing": missing}, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
