"""The kiosk image's boot and update test (run by scripts/test-image.sh, as root).

A reference central server runs on the host's loopback; the VM reaches it, and nothing
else, through one user-mode forward. The image's data partition is seeded with a lab
configuration (simulated devices) and an enrolment. Then:
  boot:    READY (sd-notify) on the console, the welcome page in a QMP screendump, a
           killed kiosk back within its restart time, a stopped one restarted by the
           watchdog, an application queued while the central is down surviving a hard
           power-off and arriving once when it is back;
  updates: through a staged rollout at the central: a good bundle (installed while idle,
           rebooted into, marked good, reported done), a bundle whose kiosk never becomes
           healthy (rolled back by GRUB after three boots, reported failed, the rollout
           halted) and a bundle with a bad signature (refused by RAUC, reported).
The data partition, the enrolment and the application survive every path."""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from vm import Vm, write_png, colour_census, CENTRAL_GUEST_ADDR, CENTRAL_GUEST_PORT  # noqa: E402

KIOSK_ID = "VM-KIOSK-01"
PREFIX = "VMK1"
figures = {}


def say(text):
    print("test-image: " + text, flush=True)


def check(what, ok, detail=""):
    if not ok:
        raise SystemExit("test-image: FAIL: %s %s" % (what, detail))
    say("ok  " + what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(*cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


class Central:
    """The reference central server on loopback, started and stopped at will."""

    def __init__(self, binary, work):
        self.binary = binary
        self.dir = os.path.join(work, "central")
        self.port = free_port()
        self.proc = None
        run(binary, "init", "--dir", self.dir, "--listen", "127.0.0.1:%d" % self.port,
            "--admin-listen", "127.0.0.1:%d" % free_port(), "--name", CENTRAL_GUEST_ADDR)
        run(binary, "enroll", KIOSK_ID, "--receipt-prefix", PREFIX, "--dir", self.dir,
            "--out", os.path.join(work, "enrolment"))

    def start(self):
        log = open(os.path.join(self.dir, "serve.log"), "a")
        self.proc = subprocess.Popen([self.binary, "serve", "--dir", self.dir], stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("test-image: the central server did not start")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=15)
            self.proc = None

    def cli(self, *args):
        return run(self.binary, *args, "--dir", self.dir)

    def applications(self):
        return json.loads(self.cli("list", "--json"))

    def rollout(self, rollout_id):
        for r in json.loads(self.cli("rollout", "list", "--json")):
            if r["rollout_id"] == rollout_id:
                return r
        raise KeyError(rollout_id)

    def create_rollout(self, bundle, version, halt_after=1, percent=100):
        out = self.cli("rollout", "create", "--bundle", bundle, "--version", version,
                       "--percent", str(percent), "--halt-after-failures", str(halt_after))
        return int(re.match(r"rollout (\d+):", out).group(1))

    def fleet(self, kiosks, secs):
        """`simulate-fleet`: simulated image kiosks beside the VM (heartbeat every 5 s), so a
        rollout widens and halts over a fleet with the real kiosk in it."""
        log = open(os.path.join(self.dir, "fleet.log"), "a")
        return subprocess.Popen([self.binary, "simulate-fleet", "--dir", self.dir, "--kiosks", str(kiosks),
                                 "--duration", str(secs), "--heartbeat-secs", "5", "--submit-rate", "0"],
                                stdout=log, stderr=log)


def seed_disk(image_dir, work, enrolment):
    """A copy of the image with the data partition holding the lab configuration."""
    disk = os.path.join(work, "disk.img")
    run("cp", "--sparse=always", os.path.join(image_dir, "disk.img"), disk)
    rootfs = os.path.join(image_dir, "work", "rootfs")
    uid = int(run("chroot", rootfs, "id", "-u", "township-kiosk").strip())
    data = os.path.join(work, "data")
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(os.path.join(image_dir, "work", "data"), data, symlinks=True)
    etc = os.path.join(data, "etc", "township-kiosk")
    state = os.path.join(data, "township-kiosk")
    os.makedirs(os.path.join(state, "enrolment"), exist_ok=True)
    for name in ("ca.pem", "kiosk.pem", "kiosk.key"):
        shutil.copy(os.path.join(enrolment, name), os.path.join(state, "enrolment", name))
    with open(os.path.join(enrolment, "central.toml")) as f:
        central = f.read()
    central = re.sub(r'url = ".*"', 'url = "https://%s:%d"' % (CENTRAL_GUEST_ADDR, CENTRAL_GUEST_PORT), central)
    central = central.replace(enrolment, "/var/lib/township-kiosk/enrolment")
    with open(os.path.join(etc, "kiosk.toml"), "w") as f:
        f.write('[kiosk]\nid = "%s"\nreceipt-prefix = "%s"\nstate-dir = "/var/lib/township-kiosk"\nsimulated = true\n\n'
                % (KIOSK_ID, PREFIX))
        f.write(central.split("\n", 1)[1] if central.startswith("#") else central)
        f.write("heartbeat-secs = 10\n")
    with open(os.path.join(etc, "image.conf"), "w") as f:
        f.write("healthy-for = 20\ndeadline = 150\n")
    for root, dirs, files in os.walk(state):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, uid)
    os.chown(state, uid, uid)
    os.chmod(state, 0o700)
    os.chmod(os.path.join(state, "enrolment", "kiosk.key"), 0o600)
    data_img = os.path.join(work, "data.ext4")
    if os.path.exists(data_img):
        os.unlink(data_img)
    run("mke2fs", "-q", "-t", "ext4", "-L", "data", "-d", data, data_img, "512M")
    table = json.loads(run("sfdisk", "--json", disk))["partitiontable"]
    part = next(p for p in table["partitions"] if p.get("name") == "data")
    run("dd", "if=" + data_img, "of=" + disk, "bs=512", "seek=%d" % part["start"], "conv=notrunc,sparse", "status=none")
    return disk


def wait_ready(vm, timeout):
    # The console shortens long unit names ("township-kiosk.ser…") and colours them.
    return vm.wait_serial(r"Started \S*township-kiosk\.se", timeout)


def kiosk_pid(vm):
    return int(vm.sh("systemctl show -P MainPID township-kiosk.service")[1].strip() or 0)


def wait_restarted(vm, old_pid, timeout):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        code, out = vm.sh("systemctl is-active township-kiosk.service; systemctl show -P MainPID township-kiosk.service", check=False)
        lines = out.split()
        if lines[:1] == ["active"] and len(lines) > 1 and lines[1] not in ("0", str(old_pid)):
            return time.monotonic() - start
        time.sleep(0.5)
    raise SystemExit("test-image: FAIL: the kiosk was not back within %d s" % timeout)


def guest_unsent(vm):
    return int(vm.sh("runuser -u township-kiosk -- kiosk outbox unsent")[1].strip().split()[-1])


def test_boot(vm, central, out_dir, boot_timeout):
    central.start()
    vm.start()
    ready = wait_ready(vm, boot_timeout)
    figures["boot_to_ready_secs"] = round(ready, 1)
    check("READY (sd-notify) %.1f s after power-on (%s)" % (ready, "KVM" if vm.kvm else "TCG"), True)
    # The first frame follows READY; a few seconds for the debug build's software renderer.
    census = None
    for _ in range(40):
        time.sleep(1)
        w, h, rgb = vm.screendump(os.path.join(out_dir, "welcome.ppm"))
        census = colour_census(w, h, rgb)
        if census[0] >= 12 and census[1] < 0.97:
            break
    figures["boot_to_welcome_secs"] = round(time.monotonic() - vm.started_at, 1)
    write_png(os.path.join(out_dir, "welcome.png"), w, h, rgb)
    check("the welcome page is on the screen (%dx%d, %d colours, the commonest %.0f%%), %.1f s after power-on"
          % (w, h, census[0], census[1] * 100, figures["boot_to_welcome_secs"]),
          census[0] >= 12 and census[1] < 0.97 and (w, h) == vm.size)
    vm.wait_agent(60)
    code, out = vm.sh("systemctl is-system-running --wait; findmnt -no OPTIONS /; findmnt -no SOURCE /var/lib/township-kiosk", check=False)
    check("the root slot is read-only and the state is on the data partition", ",ro" in out.replace("\n", ",") or out.split("\n")[1].startswith("ro"), out)
    code, out = vm.sh("ls /dev/tty1 >/dev/null; systemctl is-active getty@tty1.service serial-getty@ttyS0.service", check=False)
    check("no login prompt (getty on tty1 and ttyS0 inactive)", "active\n" not in out.replace("inactive", ""), out)

    pid = kiosk_pid(vm)
    vm.sh("systemctl kill -s KILL township-kiosk.service")
    back = wait_restarted(vm, pid, 30)
    figures["restart_after_kill_secs"] = round(back, 1)
    check("killed with SIGKILL, the kiosk is back in %.1f s (RestartSec=2, then READY)" % back, back < 30)
    pid = kiosk_pid(vm)
    vm.sh("kill -STOP %d" % pid)
    back = wait_restarted(vm, pid, 60)
    figures["restart_after_stop_secs"] = round(back, 1)
    check("stopped with SIGSTOP, the watchdog (WatchdogSec=10) restarts it in %.1f s" % back, back < 60)

    # An application queued while the central system is down survives a hard power-off.
    central.stop()
    before = len(central_applications_offline(central))
    vm.sh("runuser -u township-kiosk -- sh -c 'kiosk submit --example > /tmp/app.json && kiosk submit /tmp/app.json'")
    check("an application is queued while the central is down", guest_unsent(vm) == 1)
    vm.kill9()
    vm.start()
    wait_ready(vm, boot_timeout)
    vm.wait_agent(60)
    check("after a hard power-off (kill -9 of QEMU) the application is still queued", guest_unsent(vm) == 1)
    central.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and guest_unsent(vm) != 0:
        time.sleep(2)
    apps = central.applications()
    check("with the central back, it arrives once (%d application(s) there)" % len(apps), len(apps) == before + 1 and guest_unsent(vm) == 0)


def central_applications_offline(central):
    return json.loads(central.cli("list", "--json"))


def wait_rollout(central, rollout_id, states, timeout, seen=None):
    """Polls the rollout until it is in one of `states`; `seen` gets the seconds at which
    each kiosk stage was first reported (to within a heartbeat, 10 s)."""
    start = time.monotonic()
    deadline = start + timeout
    while time.monotonic() < deadline:
        r = central.rollout(rollout_id)
        if seen is not None:
            for stage in r["stages"]:
                seen.setdefault(stage, round(time.monotonic() - start))
        if r["state"] in states:
            return r
        time.sleep(3)
    raise SystemExit("test-image: FAIL: rollout %d is still %s after %d s: %s" % (rollout_id, r["state"], timeout, r))


def guest_release(vm):
    code, out = vm.sh("cat /etc/township-release; sed -n 's/.*rauc.slot=\\([AB]\\).*/\\1/p' /proc/cmdline")
    version = re.search(r"IMAGE_VERSION=(\S+)", out).group(1)
    return version, out.strip().split("\n")[-1]


def test_updates(vm, central, image_dir, out_dir, boot_timeout):
    bundles = os.path.join(out_dir, "bundles")
    os.makedirs(bundles, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    build = os.path.join(here, "..", "build-bundle.sh")
    good = os.path.join(bundles, "good.raucb")
    t = time.monotonic()
    subprocess.run([build, "--image", image_dir, "--version", "test-good-2", "--out", good], check=True)
    figures["bundle_build_secs"] = round(time.monotonic() - t, 1)
    figures["bundle_bytes"] = os.path.getsize(good)
    broken_overlay = os.path.join(out_dir, "broken-overlay")
    dropin = os.path.join(broken_overlay, "etc", "systemd", "system", "township-kiosk.service.d")
    os.makedirs(dropin, exist_ok=True)
    with open(os.path.join(dropin, "broken.conf"), "w") as f:
        f.write("# A kiosk that never comes up (the rollback test).\n[Service]\nExecStart=\nExecStart=/bin/false\n")
    bad = os.path.join(bundles, "never-healthy.raucb")
    subprocess.run([build, "--image", image_dir, "--version", "test-broken-3", "--overlay", broken_overlay, "--out", bad], check=True)
    # Signed by a key the image does not trust.
    other = os.path.join(out_dir, "other-key")
    os.makedirs(other, exist_ok=True)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30", "-subj", "/CN=not the bureau",
        "-keyout", os.path.join(other, "key.pem"), "-out", os.path.join(other, "cert.pem"))
    unsigned = os.path.join(bundles, "bad-signature.raucb")
    subprocess.run([build, "--image", image_dir, "--version", "test-unsigned-4", "--keys", other, "--out", unsigned], check=True)

    start_version, start_slot = guest_release(vm)
    marker = "data-survives-%d" % os.getpid()
    vm.sh("runuser -u township-kiosk -- sh -c 'echo %s > /var/lib/township-kiosk/update-test-marker'" % marker)

    # 1. A good bundle to 200 simulated kiosks and the VM, offered to 10 % first:
    # downloaded, installed while idle, rebooted into, marked good; the rollout widens
    # wave by wave and completes.
    fleet = central.fleet(200, 900)
    time.sleep(10)
    t = time.monotonic()
    rid = central.create_rollout(good, "test-good-2", halt_after=3, percent=10)
    seen = {}
    try:
        r = wait_rollout(central, rid, ("completed", "halted"), 900, seen)
    finally:
        fleet.terminate()
        fleet.wait()
    figures["good_update_secs"] = round(time.monotonic() - t, 1)
    figures["good_update_stages_first_seen_secs"] = seen
    check("the good bundle's rollout to 200 simulated kiosks and the VM completed in %.0f s: %s"
          % (figures["good_update_secs"], r["stages"]),
          r["state"] == "completed" and r["percent"] == 100 and r["stages"] == {"done": 201})
    vm.wait_agent(120)
    version, slot = guest_release(vm)
    check("the kiosk runs test-good-2 from slot %s (was %s on %s)" % (slot, start_version, start_slot),
          version == "test-good-2" and slot != start_slot)
    code, out = vm.sh("rauc status --output-format=json", check=False)
    check("RAUC marked the new slot good", '"boot_status":"good"' in out.replace(" ", ""), out[:400])
    code, out = vm.sh("cat /var/lib/township-kiosk/update-test-marker")
    check("the data partition came through", marker in out)
    good_slot = slot

    # 2. A bundle whose kiosk never becomes healthy: three boots, then GRUB falls back.
    # With the simulated fleet updating cleanly, the VM's failure alone passes the
    # threshold (1) and the rollout halts.
    fleet = central.fleet(200, 1200)
    time.sleep(10)
    t = time.monotonic()
    rid = central.create_rollout(bad, "test-broken-3")
    try:
        r = wait_rollout(central, rid, ("completed", "halted"), 900)
    finally:
        fleet.terminate()
        fleet.wait()
    figures["rollback_secs"] = round(time.monotonic() - t, 1)
    check("the never-healthy bundle's rollout (200 simulated kiosks and the VM) halted in %.0f s: %s %s"
          % (figures["rollback_secs"], r["stages"], r["failures"]),
          r["state"] == "halted" and any("rolled back" in why for _, why in r["failures"]))
    vm.wait_agent(120)
    version, slot = guest_release(vm)
    check("rolled back by itself to test-good-2 on slot %s" % slot, version == "test-good-2" and slot == good_slot)
    console = vm.serial()
    check("GRUB counted the tries: \"slot %s failed three boots, falling back\" on the console" % ("A" if good_slot == "B" else "B"),
          "failed three boots, falling back" in console)
    code, out = vm.sh("cat /var/lib/township-kiosk/update-test-marker; runuser -u township-kiosk -- kiosk outbox unsent")
    check("the data partition and the queue came through the rollback", marker in out)
    central.cli("rollout", "abort", str(rid))

    # 3. A bundle with a bad signature: refused by RAUC, reported, nothing changes.
    rid = central.create_rollout(unsigned, "test-unsigned-4")
    r = wait_rollout(central, rid, ("completed", "halted"), 600)
    check("the bad signature was refused and reported: %s" % r["failures"],
          r["state"] == "halted" and any("refused" in why and "signature" in why for _, why in r["failures"]))
    version, slot2 = guest_release(vm)
    check("still test-good-2 on slot %s" % slot2, version == "test-good-2" and slot2 == good_slot)
    central.cli("rollout", "abort", str(rid))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--central", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--skip-updates", action="store_true")
    args = ap.parse_args()
    out_dir = os.path.abspath(args.out)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    work = os.path.join(out_dir, "work")
    os.makedirs(work)
    central = Central(os.path.abspath(args.central), work)
    disk = seed_disk(os.path.abspath(args.image), work, os.path.join(work, "enrolment"))
    vm = Vm(disk, work, central.port)
    boot_timeout = 1200  # TCG (KVM, where it works, boots in a fraction of this)
    say("booting with %s; the VM reaches only %s:%d (the central on 127.0.0.1:%d)"
        % ("KVM" if vm.kvm else "TCG (no /dev/kvm: slower, longer timeouts)", CENTRAL_GUEST_ADDR, CENTRAL_GUEST_PORT, central.port))
    try:
        test_boot(vm, central, out_dir, boot_timeout)
        if not args.skip_updates:
            test_updates(vm, central, os.path.abspath(args.image), out_dir, boot_timeout)
        else:
            say("updates: not run (--skip-updates)")
    finally:
        vm.stop()
        central.stop()
        with open(os.path.join(out_dir, "figures.json"), "w") as f:
            json.dump(figures, f, indent=1)
        say("figures: " + json.dumps(figures))


if __name__ == "__main__":
    main()
