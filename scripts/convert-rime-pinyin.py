#!/usr/bin/env python3
"""Convert Rime's pinyin_simp dictionary into packaging/pinyin/words.tsv.

Input: pinyin_simp.dict.yaml from Debian's rime-data-pinyin-simp (Apache-2.0), e.g.
  apt-get download rime-data-pinyin-simp && dpkg-deb -x rime-data-pinyin-simp_*.deb rime
  scripts/convert-rime-pinyin.py rime/usr/share/rime-data/pinyin_simp.dict.yaml \
      > packaging/pinyin/words.tsv

Output: one entry a line, `word<TAB>pin yin<TAB>weight`, in the dictionary's order.
Entries whose reading uses the syllables m, n, ng or hm (which Rime's pinyin_simp schema
erases from typing) and exact duplicates are dropped; everything else is kept as is.
"""
import sys

ERASED = {"m", "n", "ng", "hm"}


def main(path):
    out = sys.stdout
    out.write("# Pinyin word list derived from Rime pinyin_simp (Apache-2.0); see NOTICE.\n")
    out.write("# word<TAB>pinyin syllables<TAB>weight. Regenerate with scripts/convert-rime-pinyin.py\n")
    seen = set()
    body = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not body:
                body = line == "..."
                continue
            fields = line.split("\t")
            if len(fields) != 3 or line.startswith("#"):
                continue
            word, pinyin, weight = fields
            syllables = pinyin.split()
            if not syllables or any(s in ERASED for s in syllables):
                continue
            if not weight.isdigit() or (word, pinyin) in seen:
                continue
            seen.add((word, pinyin))
            out.write(f"{word}\t{' '.join(syllables)}\t{weight}\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: convert-rime-pinyin.py pinyin_simp.dict.yaml > words.tsv")
    main(sys.argv[1])
