#!/usr/bin/env bash
# Renders the README gallery (docs/screenshots) headless: UI pages and receipts.
# KIOSK_BIN names a prebuilt kiosk binary; else a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${KIOSK_BIN:-}" ]; then
  cargo build --release --bin kiosk
fi
k="${KIOSK_BIN:-./target/release/kiosk}"
out=docs/screenshots
mkdir -p "$out"
shot() { $k screenshot "$@" >/dev/null; }
for page in welcome catalogue guide identify identify-manual form form-errors materials review address payment submitting receipt receipt-qr rating rating-reasons idle-warning progress progress-answer payment-expired appointment appointment-time appointment-phone appointment-booked consult consult-text consult-phone consult-sent progress-supply materials-promise exit-question; do
  shot --page "$page" --lang zh --size 1080x1920 --out "$out/zh-$page.png"
done
for page in welcome catalogue identify form materials review address receipt progress-answer payment appointment-time appointment-booked consult-text consult-sent progress-supply materials-promise; do
  shot --page "$page" --lang en --size 1080x1920 --out "$out/en-$page.png"
done
for page in welcome catalogue materials review address rating progress-answer payment appointment-time appointment-booked consult-text progress-supply materials-promise; do
  shot --page "$page" --lang zh --elderly --size 1080x1920 --out "$out/zh-$page-elderly.png"
done
shot --page catalogue --lang zh --size 1920x1080 --out "$out/zh-catalogue-1920x1080.png"
shot --page form --lang en --size 1920x1080 --out "$out/en-form-1920x1080.png"
shot --page materials --lang en --size 1920x1080 --out "$out/en-materials-1920x1080.png"
shot --page payment --lang zh --size 1920x1080 --out "$out/zh-payment-1920x1080.png"
shot --page receipt --lang zh --size 1920x1080 --out "$out/zh-receipt-1920x1080.png"
shot --page rating-reasons --lang zh --size 1920x1080 --out "$out/zh-rating-reasons-1920x1080.png"
shot --page rating-reasons --lang en --size 800x480 --out "$out/en-rating-reasons-800x480.png"
shot --page progress --lang zh --size 1920x1080 --out "$out/zh-progress-1920x1080.png"
shot --page identify-manual --lang en --size 800x480 --out "$out/en-identify-manual-800x480.png"
shot --page review --lang zh --size 800x480 --out "$out/zh-review-800x480.png"
shot --page address --lang zh --size 800x480 --out "$out/zh-address-800x480.png"
shot --page appointment-phone --lang zh --size 800x480 --out "$out/zh-appointment-phone-800x480.png"
shot --page form --lang zh --size 800x480 --out "$out/zh-form-800x480.png"
shot --page appointment-time --lang zh --size 800x480 --out "$out/zh-appointment-time-800x480.png"
shot --page appointment-time --lang en --size 1920x1080 --out "$out/en-appointment-time-1920x1080.png"
shot --page consult-text --lang zh --size 800x480 --out "$out/zh-consult-text-800x480.png"
shot --page progress-supply --lang zh --size 800x480 --out "$out/zh-progress-supply-800x480.png"
shot --page materials-promise --lang zh --size 800x480 --out "$out/zh-materials-promise-800x480.png"
shot --page progress-supply --lang en --size 1920x1080 --out "$out/en-progress-supply-1920x1080.png"
shot --page welcome-attract --lang zh --size 1080x1920 --out "$out/zh-welcome-attract.png"
shot --page welcome-attract --lang en --size 1080x1920 --out "$out/en-welcome-attract.png"
shot --page welcome-attract --lang zh --elderly --size 1080x1920 --out "$out/zh-welcome-attract-elderly.png"
shot --page welcome-attract --lang zh --size 800x480 --out "$out/zh-welcome-attract-800x480.png"
# The technician's screens (staff pages: elderly mode leaves their sizes as they are).
for page in technician-pin technician technician-tests technician-outbox technician-settings technician-logs technician-reprints; do
  shot --page "$page" --lang zh --size 1080x1920 --out "$out/zh-$page.png"
  shot --page "$page" --lang en --size 1080x1920 --out "$out/en-$page.png"
  shot --page "$page" --lang zh --elderly --size 1080x1920 --out "$out/zh-$page-elderly.png"
done
shot --page technician --lang zh --size 800x480 --out "$out/zh-technician-800x480.png"
shot --page technician-settings --lang en --size 1920x1080 --out "$out/en-technician-settings-1920x1080.png"
shot --page exit-question --lang zh --elderly --size 800x480 --out "$out/zh-exit-question-elderly-800x480.png"
shot --page card-reminder --lang zh --size 1080x1920 --out "$out/zh-card-reminder.png"
shot --page card-reminder --lang zh --size 800x480 --out "$out/zh-card-reminder-800x480.png"
shot --page address-handwriting --lang zh --size 1080x1920 --out "$out/zh-address-handwriting.png"
shot --page address-handwriting --lang zh --elderly --size 1080x1920 --out "$out/zh-address-handwriting-elderly.png"
shot --page consult-handwriting --lang zh --size 800x480 --out "$out/zh-consult-handwriting-800x480.png"
shot --page exit-question --lang en --size 1080x1920 --out "$out/en-exit-question.png"
shot --page idle-warning --lang zh --size 1280x800 --out "$out/zh-idle-warning-1280x800.png"
$k receipt render --sample --profile generic-80mm --out "$out/receipt-80mm-zh.png" >/dev/null
$k receipt render --rare-name --profile generic-58mm --out "$out/receipt-58mm-rare-name.png" >/dev/null
$k receipt render --sample --lang en --profile xprinter-58mm --out "$out/receipt-58mm-en.png" >/dev/null
echo "screenshots: $(ls "$out" | wc -l) files in $out"
