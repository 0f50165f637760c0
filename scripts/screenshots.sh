#!/usr/bin/env bash
# Renders the README gallery (docs/screenshots) headless: UI pages and receipts.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin kiosk
k=./target/release/kiosk
out=docs/screenshots
mkdir -p "$out"
for page in welcome catalogue guide identify form-errors review receipt-qr; do
  $k screenshot --page "$page" --lang zh --size 1080x1920 --out "$out/zh-$page.png"
done
for page in welcome form; do
  $k screenshot --page "$page" --lang en --size 1080x1920 --out "$out/en-$page.png"
done
$k screenshot --page catalogue --lang zh --size 1920x1080 --out "$out/zh-catalogue-1920x1080.png"
$k screenshot --page identify-manual --lang en --size 800x480 --out "$out/en-identify-manual-800x480.png"
$k screenshot --page review --lang zh --elderly --size 1080x1920 --out "$out/zh-review-elderly.png"
$k screenshot --page idle-warning --lang zh --size 1280x800 --out "$out/zh-idle-warning-1280x800.png"
$k receipt render --sample --profile generic-80mm --out "$out/receipt-80mm-zh.png"
$k receipt render --rare-name --profile generic-58mm --out "$out/receipt-58mm-rare-name.png"
$k receipt render --sample --lang en --profile xprinter-58mm --out "$out/receipt-58mm-en.png"
