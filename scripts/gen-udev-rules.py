#!/usr/bin/env python3
"""Generates the package's udev rules from hardware/usb-devices.toml (the one place the
USB ids are written): one rule per device giving it /dev/kiosk-cardreader,
/dev/kiosk-printer or /dev/kiosk-camera. Refuses ids that serve two roles without a
serial number or port to tell them apart.

Usage: scripts/gen-udev-rules.py [hardware/usb-devices.toml] > 60-township-kiosk.rules
"""
import re
import sys
import tomllib

ROLES = {"cardreader": "kiosk-cardreader", "printer": "kiosk-printer", "camera": "kiosk-camera"}
MATCH = {
    "tty": 'SUBSYSTEM=="tty"',
    "usbmisc": 'SUBSYSTEM=="usbmisc", KERNEL=="lp[0-9]*"',
    "video4linux": 'SUBSYSTEM=="video4linux", ATTR{index}=="0"',
}
GROUP = {"tty": "dialout", "usbmisc": "lp", "video4linux": "video"}


def rules(data):
    lines, seen, problems = [], {}, []
    for role, link in ROLES.items():
        for entry in data.get(role, []):
            ids = (entry["vendor"].lower(), entry["product"].lower())
            where = f"[[{role}]] {entry.get('model', '?')}"
            if not all(re.fullmatch(r"[0-9a-f]{4}", x) for x in ids):
                problems.append(f"{where}: vendor/product must be 4 hex digits")
                continue
            if entry["subsystem"] not in MATCH:
                problems.append(f"{where}: subsystem must be one of {', '.join(MATCH)}")
                continue
            extra = ""
            if "serial" in entry:
                extra += f', ATTRS{{serial}}=="{entry["serial"]}"'
            if "port" in entry:
                extra += f', ENV{{ID_PATH}}=="{entry["port"]}"'
            seen.setdefault(ids, []).append((role, bool(extra)))
            lines.append(f"# {role}: {entry.get('model', '')}")
            lines.append(
                f'{MATCH[entry["subsystem"]]}, ATTRS{{idVendor}}=="{ids[0]}", '
                f'ATTRS{{idProduct}}=="{ids[1]}"{extra}, GROUP="{GROUP[entry["subsystem"]]}", '
                f'MODE="0660", SYMLINK+="{link}"'
            )
    for ids, uses in seen.items():
        roles = {role for role, _ in uses}
        if len(roles) > 1 and not all(told for _, told in uses):
            problems.append(f"{ids[0]}:{ids[1]} serves {' and '.join(sorted(roles))}: add serial or port")
    return lines, problems


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "hardware/usb-devices.toml"
    with open(path, "rb") as f:
        data = tomllib.load(f)
    lines, problems = rules(data)
    if problems:
        for p in problems:
            print(f"{path}: {p}", file=sys.stderr)
        sys.exit(1)
    print(f"# Generated from {path} by scripts/gen-udev-rules.py: edit that file, not this one.")
    print("# Stable names for the kiosk's USB devices (township-kiosk package).")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
