"""The kiosk image under QEMU, for scripts/test-image.sh: start and kill the VM, read its
serial console, QMP (screendump, quit) and the QEMU guest agent (commands in the guest).

The VM's only network is QEMU's user-mode network with restrict=on: the guest reaches
nothing but the explicit forward of 10.0.2.100:8443 to a central server on the host's
loopback."""

import base64
import json
import os
import re
import socket
import subprocess
import time

CENTRAL_GUEST_ADDR = "10.0.2.100"
CENTRAL_GUEST_PORT = 8443


def kvm_usable():
    return os.access("/dev/kvm", os.R_OK | os.W_OK)


class Vm:
    def __init__(self, disk, workdir, central_port, width=1080, height=1920):
        self.disk = disk
        self.workdir = workdir
        self.central_port = central_port
        self.size = (width, height)
        self.kvm = kvm_usable() and os.environ.get("TOWNSHIP_VM_ACCEL", "") != "tcg"
        self.proc = None
        self.serial_path = os.path.join(workdir, "serial.log")
        self.qmp_path = os.path.join(workdir, "qmp.sock")
        self.qga_path = os.path.join(workdir, "qga.sock")
        self.started_at = None
        self.boots = 0

    # ---- life -----------------------------------------------------------------------------

    def start(self):
        for path in (self.qmp_path, self.qga_path):
            if os.path.exists(path):
                os.unlink(path)
        self.boots += 1
        self.serial_offset = os.path.getsize(self.serial_path) if os.path.exists(self.serial_path) else 0
        accel = ["-accel", "kvm"] if self.kvm else ["-accel", "tcg,thread=multi"]
        # One socat per guest connection (a chardev target would be one connection for the
        # VM's whole life, opened at start): the central may come and go.
        forward = "guestfwd=tcp:%s:%d-cmd:socat STDIO TCP:127.0.0.1:%d" % (CENTRAL_GUEST_ADDR, CENTRAL_GUEST_PORT, self.central_port)
        cmd = ["qemu-system-x86_64", "-machine", "q35", *accel, "-m", "1024", "-smp", "2",
               "-bios", "/usr/share/ovmf/OVMF.fd",
               "-drive", "file=%s,format=raw,if=virtio,cache=unsafe" % self.disk,
               "-device", "virtio-gpu-pci,xres=%d,yres=%d" % self.size,
               "-display", "none", "-vga", "none",
               "-chardev", "file,id=serial0,path=%s,append=on" % self.serial_path,
               "-serial", "chardev:serial0",
               "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
               "-chardev", "socket,path=%s,server=on,wait=off,id=qga0" % self.qga_path,
               "-device", "virtio-serial", "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
               "-netdev", "user,id=n0,restrict=on," + forward,
               "-device", "virtio-net-pci,netdev=n0",
               "-name", "township-kiosk-test"]
        self.started_at = time.monotonic()
        err_path = os.path.join(self.workdir, "qemu.err")
        err_at = os.path.getsize(err_path) if os.path.exists(err_path) else 0
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(err_path, "a"))
        if self.kvm:
            # Nested KVM can be there and still fail on the firmware's first instructions
            # (seen here: "KVM internal error" on an AMD host): then TCG, said plainly.
            time.sleep(5)
            with open(err_path, "rb") as f:
                f.seek(err_at)
                err = f.read().decode("utf-8", "replace")
            if "KVM internal error" in err:
                # QEMU stays up, stopped: take it down and go on with TCG.
                print("test-image: KVM is there but cannot run this VM (KVM internal error): TCG instead", flush=True)
                self.proc.kill()
                self.proc.wait()
                self.kvm = False
                self.boots -= 1
                return self.start()
        return self

    def kill9(self):
        """A hard power-off: the QEMU process killed, nothing flushed by the guest."""
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def stop(self):
        if self.proc:
            try:
                self.qmp("quit")
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # ---- serial console --------------------------------------------------------------------

    def serial(self):
        """What the console printed since this boot started."""
        if not os.path.exists(self.serial_path):
            return ""
        with open(self.serial_path, "rb") as f:
            f.seek(self.serial_offset)
            return f.read().decode("utf-8", "replace")

    def wait_serial(self, pattern, timeout, since=0):
        """Seconds from the VM's start until `pattern` appears on this boot's console."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            text = self.serial()[since:]
            if regex.search(text):
                return time.monotonic() - self.started_at
            if not self.alive():
                raise RuntimeError("QEMU exited while waiting for %r" % pattern)
            time.sleep(0.2)
        raise TimeoutError("no %r on the console within %d s; the console said:\n%s" % (pattern, timeout, self.serial()[-3000:]))

    # ---- QMP --------------------------------------------------------------------------------

    def qmp(self, command, **arguments):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(30)
        s.connect(self.qmp_path)
        f = s.makefile("rw")
        json.loads(f.readline())
        for cmd in ({"execute": "qmp_capabilities"}, {"execute": command, "arguments": arguments}):
            f.write(json.dumps(cmd) + "\n")
            f.flush()
            while True:
                reply = json.loads(f.readline())
                if "return" in reply or "error" in reply:
                    break
        s.close()
        if "error" in reply:
            raise RuntimeError("QMP %s: %s" % (command, reply["error"]))
        return reply["return"]

    def screendump(self, path):
        self.qmp("screendump", filename=path)
        return read_ppm(path)

    # ---- the guest agent --------------------------------------------------------------------

    def _qga(self, command, arguments=None, timeout=30):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(timeout)
        s.connect(self.qga_path)
        f = s.makefile("rwb")

        def send(msg):
            f.write(json.dumps(msg).encode() + b"\n")
            f.flush()

        # guest-sync-delimited flushes anything stale on the channel first; its answer
        # comes after a 0xFF byte.
        token = int(time.time() * 1000) % 2147483647
        send({"execute": "guest-sync-delimited", "arguments": {"id": token}})
        while True:
            line = f.readline()
            if not line:
                raise OSError("guest agent closed the channel")
            try:
                if json.loads(line.lstrip(b"\xff").decode("utf-8", "replace")).get("return") == token:
                    break
            except ValueError:
                continue
        msg = {"execute": command}
        if arguments is not None:
            msg["arguments"] = arguments
        send(msg)
        reply = json.loads(f.readline().decode("utf-8", "replace"))
        s.close()
        if "error" in reply:
            raise RuntimeError("guest agent %s: %s" % (command, reply["error"]))
        return reply["return"]

    def wait_agent(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self._qga("guest-ping", timeout=3)
                return
            except (OSError, ValueError, RuntimeError):
                time.sleep(1)
        raise TimeoutError("the guest agent did not answer within %d s" % timeout)

    def sh(self, script, timeout=120, check=True):
        """Runs `script` with /bin/sh in the guest (as root); its exit code and output."""
        pid = self._qga("guest-exec", {"path": "/bin/sh", "arg": ["-c", script], "capture-output": True})["pid"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self._qga("guest-exec-status", {"pid": pid})
            if status.get("exited"):
                out = base64.b64decode(status.get("out-data", "")).decode("utf-8", "replace")
                err = base64.b64decode(status.get("err-data", "")).decode("utf-8", "replace")
                code = status.get("exitcode", -1)
                if check and code != 0:
                    raise RuntimeError("guest: %r exited %d\n%s%s" % (script, code, out, err))
                return code, out + err
            time.sleep(0.3)
        raise TimeoutError("guest: %r still running after %d s" % (script, timeout))


def read_ppm(path):
    """(width, height, RGB bytes) of a binary PPM (P6), as QMP's screendump writes it."""
    with open(path, "rb") as f:
        data = f.read()
    parts = []
    pos = 0
    while len(parts) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        parts.append(data[pos:end])
        pos = end
    if parts[0] != b"P6":
        raise ValueError("not a P6 PPM")
    return int(parts[1]), int(parts[2]), data[pos + 1:]


def write_png(path, width, height, rgb):
    """A PNG of RGB bytes, with the standard library only (to look at a screendump)."""
    import struct
    import zlib
    raw = b"".join(b"\x00" + rgb[y * width * 3:(y + 1) * width * 3] for y in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def colour_census(width, height, rgb, step=7):
    """Distinct colours (quantised) and the share of the most common one, on a sample grid."""
    counts = {}
    total = 0
    for y in range(0, height, step):
        row = y * width * 3
        for x in range(0, width, step):
            i = row + x * 3
            key = (rgb[i] >> 3, rgb[i + 1] >> 3, rgb[i + 2] >> 3)
            counts[key] = counts.get(key, 0) + 1
            total += 1
    top = max(counts.values()) if counts else 0
    return len(counts), top / max(total, 1), counts
