#!/usr/bin/env python3
"""Regenerates ui/lang/zh_CN/LC_MESSAGES/township-kiosk.po from the @tr() strings in ui/
and the translation table ui/lang/translations-zh_CN.tsv (English source TAB Chinese).
Fails, naming them, if a string has no translation. tests/ui_translations.rs checks the
same, so a new @tr() string without a translation breaks the build's tests."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
strings = set()
for path in sorted((root / "ui").rglob("*.slint")):
    strings.update(re.findall(r'@tr\("((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8")))
table = {}
for line in (root / "ui/lang/translations-zh_CN.tsv").read_text(encoding="utf-8").splitlines():
    if line.strip():
        source, target = line.split("\t")
        table[source] = target
missing = sorted(s for s in strings if s not in table)
if missing:
    sys.exit("untranslated: " + "; ".join(missing))
out = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', '"Language: zh_CN\\n"', ""]
for source in sorted(strings):
    out += [f'msgid "{source}"', f'msgstr "{table[source]}"', ""]
po = root / "ui/lang/zh_CN/LC_MESSAGES/township-kiosk.po"
po.write_text("\n".join(out), encoding="utf-8")
print(f"{po}: {len(strings)} strings")
