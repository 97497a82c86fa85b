//! Printer transport and status: opening a connection (TCP 9100, a USB
//! printer's device file, a serial port, a plain file), asking the printer
//! for its state with `DLE EOT n`, and writing a ticket.
//!
//! Everything that talks to a printer is generic over
//! `AsyncRead + AsyncWrite`, so tests drive it with in-memory pipes and a
//! fake printer on a loopback socket.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

/// How long a printer may take to answer one status query or to accept a
/// connection.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(3);

/// Why printing failed.
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    /// Could not connect or open the device.
    #[error("printer unreachable: {0}")]
    Unreachable(#[source] std::io::Error),
    /// The printer reports it is offline.
    #[error("printer offline")]
    Offline,
    /// Out of paper.
    #[error("printer out of paper")]
    PaperOut,
    /// Cover open.
    #[error("printer cover open")]
    CoverOpen,
    /// The printer reports an error (cutter jam, head overheated…).
    #[error("printer error")]
    Fault,
    /// The printer did not answer a status query in time.
    #[error("no status reply from the printer")]
    NoReply,
    /// The reply to a status query was not a status byte.
    #[error("unreadable status reply {0:#04x}")]
    BadReply(u8),
    /// Writing failed.
    #[error("printer I/O: {0}")]
    Io(#[from] std::io::Error),
}

/// The printer states the server knows (`POST /api/v1/devices/{id}/status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportedState {
    /// Ready.
    Ok,
    /// Out of paper.
    PaperOut,
    /// Cover open.
    CoverOpen,
    /// Not reachable or offline.
    Offline,
    /// Anything else.
    Error,
}

impl PrinterError {
    /// The state to report for this failure.
    pub fn reported(&self) -> ReportedState {
        match self {
            PrinterError::Unreachable(_) | PrinterError::Offline | PrinterError::NoReply => {
                ReportedState::Offline
            }
            PrinterError::PaperOut => ReportedState::PaperOut,
            PrinterError::CoverOpen => ReportedState::CoverOpen,
            PrinterError::Fault | PrinterError::BadReply(_) | PrinterError::Io(_) => {
                ReportedState::Error
            }
        }
    }
}

/// The printer's answers to `DLE EOT 1`, `2` and `4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterStatus {
    /// `DLE EOT 1` bit 3.
    pub offline: bool,
    /// `DLE EOT 2` bit 2.
    pub cover_open: bool,
    /// `DLE EOT 2` bit 5 or `DLE EOT 4` bits 5–6.
    pub paper_out: bool,
    /// `DLE EOT 4` bits 2–3.
    pub paper_near_end: bool,
    /// `DLE EOT 2` bit 6.
    pub error: bool,
}

/// Checks the fixed bits of a status byte (bits 1 and 4 set, 0 and 7
/// clear), which tell a status reply from stray data.
fn checked(byte: u8) -> Result<u8, PrinterError> {
    if byte & 0b1001_0011 == 0b0001_0010 {
        Ok(byte)
    } else {
        Err(PrinterError::BadReply(byte))
    }
}

impl PrinterStatus {
    /// Reads the replies to `DLE EOT 1`, `DLE EOT 2` and `DLE EOT 4`.
    ///
    /// # Errors
    /// [`PrinterError::BadReply`] when a byte's fixed bits are wrong.
    pub fn parse(printer: u8, offline_cause: u8, paper: u8) -> Result<Self, PrinterError> {
        let (printer, cause, paper) = (checked(printer)?, checked(offline_cause)?, checked(paper)?);
        Ok(PrinterStatus {
            offline: printer & 0x08 != 0,
            cover_open: cause & 0x04 != 0,
            paper_out: cause & 0x20 != 0 || paper & 0x60 == 0x60,
            paper_near_end: paper & 0x0C == 0x0C,
            error: cause & 0x40 != 0,
        })
    }

    /// The most specific problem, if any: paper out, cover open, error,
    /// offline.
    pub fn problem(&self) -> Option<PrinterError> {
        if self.paper_out {
            Some(PrinterError::PaperOut)
        } else if self.cover_open {
            Some(PrinterError::CoverOpen)
        } else if self.error {
            Some(PrinterError::Fault)
        } else if self.offline {
            Some(PrinterError::Offline)
        } else {
            None
        }
    }
}

/// Asks the printer for its state (`DLE EOT 1`, `2`, `4`, one reply byte
/// each).
///
/// # Errors
/// I/O, no reply within [`REPLY_TIMEOUT`], or an unreadable reply.
pub async fn query_status<S>(io: &mut S) -> Result<PrinterStatus, PrinterError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut replies = [0u8; 3];
    for (reply, n) in replies.iter_mut().zip([1u8, 2, 4]) {
        io.write_all(&[0x10, 0x04, n]).await?;
        io.flush().await?;
        let mut byte = [0u8; 1];
        match tokio::time::timeout(REPLY_TIMEOUT, io.read(&mut byte)).await {
            Err(_) => return Err(PrinterError::NoReply),
            Ok(Ok(0)) => {
                return Err(PrinterError::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
            Ok(Ok(_)) => *reply = byte[0],
            Ok(Err(e)) => return Err(PrinterError::Io(e)),
        }
    }
    PrinterStatus::parse(replies[0], replies[1], replies[2])
}

/// The result of a print that got the ticket onto paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Printed {
    /// State after printing (e.g. the roll ran out on this ticket), when
    /// queried.
    pub after: Option<PrinterStatus>,
}

/// Prints `bytes`: checks the status first (when `query`), writes, and
/// checks again. A problem before writing is an error and nothing is
/// written; a problem found afterwards does not undo the print (the ticket
/// left the printer) and is returned in [`Printed::after`].
///
/// # Errors
/// A problem before printing, or I/O while writing.
pub async fn print<S>(io: &mut S, bytes: &[u8], query: bool) -> Result<Printed, PrinterError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if query && let Some(problem) = query_status(io).await?.problem() {
        return Err(problem);
    }
    io.write_all(bytes).await?;
    io.flush().await?;
    let after = if query {
        // A failed query after a successful write still leaves a printed
        // ticket: report it, never print it again.
        query_status(io).await.ok()
    } else {
        None
    };
    Ok(Printed { after })
}

/// How the printer is connected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "connection", rename_all = "lowercase")]
pub enum Connection {
    /// Raw TCP ("JetDirect", port 9100), e.g. `192.168.1.50:9100`.
    Tcp {
        /// `host:port`; the port defaults to 9100.
        address: String,
    },
    /// A USB printer: on Linux the `usblp` driver's device file
    /// (`/dev/usb/lp0`).
    Usb {
        /// Device file.
        path: PathBuf,
    },
    /// A serial port (`/dev/ttyUSB0`, `/dev/ttyS0`). With `baud` the agent
    /// sets the line up with `stty` (raw, 8N1) before opening it;
    /// otherwise configure it yourself.
    Serial {
        /// Device file.
        path: PathBuf,
        /// Speed, e.g. 9600, 19200, 38400, 115200.
        baud: Option<u32>,
    },
    /// Any other device or a plain file (printing to a file is for
    /// testing; status queries never reach a file).
    File {
        /// Path.
        path: PathBuf,
    },
}

impl Connection {
    /// Whether status queries are worth trying by default: printers on the
    /// network always answer; device files often cannot be read back.
    pub fn queries_by_default(&self) -> bool {
        matches!(self, Connection::Tcp { .. })
    }
}

/// A byte stream to a printer.
pub trait PrinterIo: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> PrinterIo for T {}

/// Opens a connection.
///
/// # Errors
/// [`PrinterError::Unreachable`] when the connection or device cannot be
/// opened within [`REPLY_TIMEOUT`].
pub async fn open(connection: &Connection) -> Result<Box<dyn PrinterIo>, PrinterError> {
    let unreachable = |e: std::io::Error| PrinterError::Unreachable(e);
    let timed_out = |_| PrinterError::Unreachable(std::io::ErrorKind::TimedOut.into());
    match connection {
        Connection::Tcp { address } => {
            let address = if address
                .rsplit_once(':')
                .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
            {
                address.clone()
            } else {
                format!("{address}:9100")
            };
            let stream =
                tokio::time::timeout(REPLY_TIMEOUT, tokio::net::TcpStream::connect(address))
                    .await
                    .map_err(timed_out)?
                    .map_err(unreachable)?;
            let _ = stream.set_nodelay(true);
            Ok(Box::new(stream))
        }
        Connection::Serial { path, baud } => {
            if let Some(baud) = baud {
                let status = tokio::process::Command::new("stty")
                    .arg("-F")
                    .arg(path)
                    .args([
                        &baud.to_string(),
                        "raw",
                        "-echo",
                        "cs8",
                        "-cstopb",
                        "-parenb",
                    ])
                    .status()
                    .await
                    .map_err(unreachable)?;
                if !status.success() {
                    return Err(PrinterError::Unreachable(std::io::Error::other(format!(
                        "stty failed for {}",
                        path.display()
                    ))));
                }
            }
            open_device(path, false).await
        }
        Connection::Usb { path } => open_device(path, false).await,
        Connection::File { path } => open_device(path, true).await,
    }
}

/// Opens a device file for reading (status replies) and writing; a
/// write-only device or file is opened for writing only, so status queries
/// fail instead of blocking. Only a `file` connection may create its path:
/// a missing `/dev/usb/lp0` means the printer is unplugged, and creating a
/// plain file there would swallow tickets.
async fn open_device(
    path: &std::path::Path,
    create: bool,
) -> Result<Box<dyn PrinterIo>, PrinterError> {
    let open = tokio::fs::OpenOptions::new()
        .write(true)
        .read(true)
        .open(path)
        .await;
    let file = match open {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create => {
            return Err(PrinterError::Unreachable(e));
        }
        Err(_) => tokio::fs::OpenOptions::new()
            .write(true)
            .create(create)
            .append(true)
            .open(path)
            .await
            .map_err(PrinterError::Unreachable)?,
    };
    Ok(Box::new(file))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_replies() {
        let ok = PrinterStatus::parse(0x12, 0x12, 0x12).unwrap();
        assert_eq!(ok, PrinterStatus::default());
        assert!(ok.problem().is_none());

        let offline = PrinterStatus::parse(0x1A, 0x12, 0x12).unwrap();
        assert!(offline.offline);
        assert!(matches!(offline.problem(), Some(PrinterError::Offline)));

        // Offline because the cover is open.
        let cover = PrinterStatus::parse(0x1A, 0x16, 0x12).unwrap();
        assert!(cover.cover_open && cover.offline);
        assert_eq!(
            cover.problem().unwrap().reported(),
            ReportedState::CoverOpen
        );

        // Paper end: printing stopped (EOT 2 bit 5) and the sensor (EOT 4).
        let paper = PrinterStatus::parse(0x1A, 0x32, 0x72).unwrap();
        assert!(paper.paper_out);
        assert_eq!(paper.problem().unwrap().reported(), ReportedState::PaperOut);
        let sensor_only = PrinterStatus::parse(0x12, 0x12, 0x72).unwrap();
        assert!(sensor_only.paper_out);

        let near_end = PrinterStatus::parse(0x12, 0x12, 0x1E).unwrap();
        assert!(near_end.paper_near_end && near_end.problem().is_none());

        let fault = PrinterStatus::parse(0x1A, 0x52, 0x12).unwrap();
        assert_eq!(fault.problem().unwrap().reported(), ReportedState::Error);

        assert!(matches!(
            PrinterStatus::parse(0x41, 0x12, 0x12),
            Err(PrinterError::BadReply(0x41))
        ));
        assert!(matches!(
            PrinterStatus::parse(0x12, 0x92, 0x12),
            Err(PrinterError::BadReply(0x92))
        ));
    }

    /// A printer on the other end of an in-memory pipe that answers
    /// `DLE EOT n` with `replies[n]` and records the rest.
    async fn fake(mut io: tokio::io::DuplexStream, replies: [u8; 3]) -> Vec<u8> {
        let mut seen = Vec::new();
        let mut buf = [0u8; 256];
        loop {
            let n = match io.read(&mut buf).await {
                Ok(0) | Err(_) => return seen,
                Ok(n) => n,
            };
            seen.extend(&buf[..n]);
            while let Some(i) = seen.windows(3).position(|w| w[0] == 0x10 && w[1] == 0x04) {
                let reply = match seen[i + 2] {
                    1 => replies[0],
                    2 => replies[1],
                    _ => replies[2],
                };
                seen.drain(i..i + 3);
                if io.write_all(&[reply]).await.is_err() {
                    return seen;
                }
            }
        }
    }

    #[tokio::test]
    async fn prints_when_ready_and_not_when_out_of_paper() {
        let (mut ours, theirs) = tokio::io::duplex(1024);
        let printer = tokio::spawn(fake(theirs, [0x12, 0x12, 0x12]));
        let printed = print(&mut ours, b"hello", true).await.unwrap();
        assert_eq!(printed.after, Some(PrinterStatus::default()));
        drop(ours);
        assert_eq!(printer.await.unwrap(), b"hello");

        let (mut ours, theirs) = tokio::io::duplex(1024);
        let printer = tokio::spawn(fake(theirs, [0x1A, 0x32, 0x72]));
        let err = print(&mut ours, b"hello", true).await.unwrap_err();
        assert_eq!(err.reported(), ReportedState::PaperOut);
        drop(ours);
        assert!(printer.await.unwrap().is_empty(), "nothing printed");
    }

    #[tokio::test]
    async fn silent_printer_is_offline() {
        tokio::time::pause();
        let (mut ours, _theirs) = tokio::io::duplex(1024);
        let err = print(&mut ours, b"hello", true).await.unwrap_err();
        assert!(matches!(err, PrinterError::NoReply));
        assert_eq!(err.reported(), ReportedState::Offline);
    }

    #[tokio::test]
    async fn missing_device_is_unreachable_and_not_created() {
        let path = std::env::temp_dir().join(format!("ww-no-lp-{}", std::process::id()));
        let err = open(&Connection::Usb { path: path.clone() })
            .await
            .err()
            .unwrap();
        assert!(matches!(err, PrinterError::Unreachable(_)));
        assert!(!path.exists());
        // A file connection creates its file and prints into it.
        let mut io = open(&Connection::File { path: path.clone() })
            .await
            .unwrap();
        print(&mut io, b"ticket", false).await.unwrap();
        drop(io);
        assert_eq!(std::fs::read(&path).unwrap(), b"ticket");
        let _ = std::fs::remove_file(path);
    }

    #[tokio::test]
    async fn unreachable_printer() {
        // A port that was free a moment ago: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = open(&Connection::Tcp {
            address: format!("127.0.0.1:{port}"),
        })
        .await
        .err()
        .unwrap();
        assert!(matches!(err, PrinterError::Unreachable(_)));
        assert_eq!(err.reported(), ReportedState::Offline);
    }
}
