//! Printer transports: serial (optional RTS/CTS flow control), the Linux USB printer class
//! device (/dev/usb/lp0, status through the `LPGETSTATUS` ioctl), TCP port 9100 with
//! timeouts, and a file/spool sink. Each says whether it can read status back.

use super::status::{from_lp_status, PrinterStatus};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub trait PrinterTransport: Send {
    fn describe(&self) -> String;
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Reads what arrives within `timeout`; `Ok(0)` on timeout. Transports that cannot read
    /// return `Err(Unsupported)`.
    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;
    /// Whether status replies can be read back at all (a file cannot).
    fn can_read(&self) -> bool {
        true
    }
    /// Status from the transport itself (usblp), if it has its own channel.
    fn native_status(&mut self) -> Option<io::Result<PrinterStatus>> {
        None
    }
}

pub struct SerialTransport {
    port: serialport::TTYPort,
    path: PathBuf,
}

impl SerialTransport {
    pub fn open(path: &Path, baud: u32, flow_control: bool) -> io::Result<SerialTransport> {
        let port = serialport::new(path.to_string_lossy(), baud)
            .flow_control(if flow_control {
                serialport::FlowControl::Hardware
            } else {
                serialport::FlowControl::None
            })
            .timeout(Duration::from_secs(5))
            .open_native()
            .map_err(|e| io::Error::new(io::ErrorKind::NotFound, format!("cannot open {}: {e}", path.display())))?;
        Ok(SerialTransport {
            port,
            path: path.to_path_buf(),
        })
    }
}

impl PrinterTransport for SerialTransport {
    fn describe(&self) -> String {
        format!("serial {}", self.path.display())
    }
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        serialport::SerialPort::set_timeout(&mut self.port, Duration::from_secs(10)).map_err(io::Error::other)?;
        self.port.write_all(bytes)?;
        self.port.flush()
    }
    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        serialport::SerialPort::set_timeout(&mut self.port, timeout.max(Duration::from_millis(1)))
            .map_err(io::Error::other)?;
        match self.port.read(buf) {
            Ok(0) => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "printer port closed")),
            Ok(n) => Ok(n),
            Err(e) if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => Ok(0),
            Err(e) => Err(e),
        }
    }
}

pub struct TcpTransport {
    stream: TcpStream,
    address: SocketAddr,
}

impl TcpTransport {
    pub fn connect(address: &str, timeout: Duration) -> io::Result<TcpTransport> {
        let address = address
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("cannot resolve {address}")))?;
        let stream = TcpStream::connect_timeout(&address, timeout)?;
        stream.set_write_timeout(Some(Duration::from_secs(10)))?;
        stream.set_nodelay(true)?;
        Ok(TcpTransport { stream, address })
    }
}

impl PrinterTransport for TcpTransport {
    fn describe(&self) -> String {
        format!("tcp {}", self.address)
    }
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }
    fn read_some(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.stream
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        match self.stream.read(buf) {
            Ok(0) => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "printer closed the connection",
            )),
            Ok(n) => Ok(n),
            Err(e) if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => Ok(0),
            Err(e) => Err(e),
        }
    }
}

/// The Linux USB printer class device (usblp).
pub struct UsbLpTransport {
    file: File,
    path: PathBuf,
}

/// `LPGETSTATUS` from <linux/lp.h>.
const LPGETSTATUS: libc::c_ulong = 0x060b;

impl UsbLpTransport {
    pub fn open(path: &Path) -> io::Result<UsbLpTransport> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot open {}: {e}", path.display())))?;
        Ok(UsbLpTransport {
            file,
            path: path.to_path_buf(),
        })
    }

    pub fn lp_status(&self) -> io::Result<PrinterStatus> {
        let mut bits: libc::c_int = 0;
        // SAFETY: LPGETSTATUS writes one int through the pointer.
        let rc = unsafe { libc::ioctl(self.file.as_raw_fd(), LPGETSTATUS as _, &mut bits) };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(from_lp_status(bits))
    }
}

impl PrinterTransport for UsbLpTransport {
    fn describe(&self) -> String {
        format!("usb {}", self.path.display())
    }
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        // usblp answers ENOSPC when the paper is out.
        self.file.write_all(bytes).map_err(|e| {
            if e.raw_os_error() == Some(libc::ENOSPC) {
                io::Error::new(io::ErrorKind::StorageFull, "printer reports paper out")
            } else {
                e
            }
        })?;
        self.file.flush()
    }
    fn read_some(&mut self, _buf: &mut [u8], _timeout: Duration) -> io::Result<usize> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "usblp: status comes from LPGETSTATUS",
        ))
    }
    fn native_status(&mut self) -> Option<io::Result<PrinterStatus>> {
        Some(self.lp_status())
    }
}

/// Appends jobs to a file (a spool for a print server, or a capture for inspection).
pub struct FileSink {
    file: File,
    path: PathBuf,
}

impl FileSink {
    pub fn open(path: &Path) -> io::Result<FileSink> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(FileSink {
            file,
            path: path.to_path_buf(),
        })
    }
}

impl PrinterTransport for FileSink {
    fn describe(&self) -> String {
        format!("file {}", self.path.display())
    }
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)?;
        self.file.sync_data()
    }
    fn read_some(&mut self, _buf: &mut [u8], _timeout: Duration) -> io::Result<usize> {
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "a file cannot answer status requests",
        ))
    }
    fn can_read(&self) -> bool {
        false
    }
}
