//! Printer transport and status: opening a connection (TCP 9100, a USB
//! printer's device file, a serial port, a plain file), asking the printer
//! for its state with `DLE EOT n`, and writing a ticket.
//!
//! **Delivery confirmation.** A write that succeeds on a TCP socket only
//! means the bytes reached the kernel's send buffer: the printer may reset
//! the connection, lose power or run out of paper half-way through the
//! ticket. So, when status queries are on, [`print`] follows the ticket with
//! `GS r 1` (transmit paper sensor status). Unlike the real-time `DLE EOT`
//! queries, which the printer answers as soon as it receives them, `GS r`
//! is executed in order, after every byte before it has been processed:
//! its reply is the printer saying the whole ticket, cut included, went
//! through. Without that reply the ticket counts as not printed
//! ([`PrinterError::Unconfirmed`]) and the agent prints the whole ticket
//! again later. Device files without read-back cannot confirm anything; a
//! completed write is all there is to go on for them.
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

/// How long a printer may take to print a ticket and answer the `GS r 1`
/// that follows it (an 80 mm ticket with a logo takes 1–2 s at 150 mm/s).
pub const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);

/// `GS r 1`: transmit paper sensor status, executed after the bytes before
/// it (see the module documentation). Sent by [`print`] after the ticket;
/// not part of the ticket's bytes, so the encoder stays a pure layout.
pub const CONFIRM_QUERY: [u8; 3] = [0x1D, 0x72, 0x01];

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
    /// The ticket was (perhaps partly) sent, but the printer did not confirm
    /// it: the cause is inside. The whole ticket has to be printed again.
    #[error("ticket not confirmed by the printer: {0}")]
    Unconfirmed(Box<PrinterError>),
}

/// The printer states the server knows (`POST /api/v1/devices/{id}/status`),
/// as the wire types define them.
pub use waitwell_client::proto::PrinterState as ReportedState;

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
            PrinterError::Unconfirmed(cause) => cause.reported(),
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

    /// The state to report: the most specific problem, else paper low when
    /// the near-end sensor says so, else ok.
    pub fn reported(&self) -> ReportedState {
        match self.problem() {
            Some(problem) => problem.reported(),
            None if self.paper_near_end => ReportedState::PaperLow,
            None => ReportedState::Ok,
        }
    }

    /// The detail to report with [`PrinterStatus::reported`].
    pub fn detail(&self) -> Option<String> {
        match self.problem() {
            Some(problem) => Some(problem.to_string()),
            None if self.paper_near_end => Some("paper roll near its end".to_owned()),
            None => None,
        }
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
    /// Whether the printer confirmed the ticket (`GS r 1` answered after
    /// it); false when status queries are off, or the printer answers
    /// `DLE EOT` (ready) but not `GS r 1`.
    pub confirmed: bool,
    /// State after printing (e.g. the roll ran out on this ticket, or is
    /// near its end), when queried.
    pub after: Option<PrinterStatus>,
}

/// Near-end bits (0–1) of a `GS r 1` reply.
const GS_R_NEAR_END: u8 = 0x03;

/// Waits for the reply to [`CONFIRM_QUERY`]: one byte with bits 4–7 clear
/// (which also tells it from a `DLE EOT` reply, whose bit 4 is set).
async fn confirmation<S>(io: &mut S) -> Result<u8, PrinterError>
where
    S: AsyncRead + Unpin,
{
    let mut byte = [0u8; 1];
    match tokio::time::timeout(CONFIRM_TIMEOUT, io.read(&mut byte)).await {
        Err(_) => Err(PrinterError::NoReply),
        Ok(Ok(0)) => Err(PrinterError::Io(std::io::ErrorKind::UnexpectedEof.into())),
        Ok(Ok(_)) if byte[0] & 0xF0 == 0 => Ok(byte[0]),
        Ok(Ok(_)) => Err(PrinterError::BadReply(byte[0])),
        Ok(Err(e)) => Err(PrinterError::Io(e)),
    }
}

/// Prints `bytes`. With `query`: checks the status first (a problem is an
/// error and nothing is written), writes the ticket followed by
/// [`CONFIRM_QUERY`], waits for its reply, then reads the status again.
/// A problem found after a confirmed ticket does not undo it (the ticket
/// left the printer) and is returned in [`Printed::after`]. Without
/// `query` a completed write counts as printed, unconfirmed.
///
/// # Errors
/// A problem before printing; [`PrinterError::Unconfirmed`] once any byte
/// may have been sent but the printer did not confirm the ticket (the
/// cause inside is the printer's real-time state when it still answers,
/// else what went wrong); without `query`, I/O while writing. A printer
/// that stays ready and connected but never answers `GS r 1` (not every
/// clone implements it) is the one case taken as printed unconfirmed:
/// printing again would repeat the ticket on every attempt.
pub async fn print<S>(io: &mut S, bytes: &[u8], query: bool) -> Result<Printed, PrinterError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if !query {
        io.write_all(bytes).await?;
        io.flush().await?;
        return Ok(Printed {
            confirmed: false,
            after: None,
        });
    }
    if let Some(problem) = query_status(io).await?.problem() {
        return Err(problem);
    }
    let sent = async {
        io.write_all(bytes).await?;
        io.write_all(&CONFIRM_QUERY).await?;
        io.flush().await
    }
    .await;
    let confirmed = match sent {
        Ok(()) => confirmation(io).await,
        Err(e) => Err(PrinterError::Io(e)),
    };
    match confirmed {
        Ok(paper) => {
            // A failed query after a confirmed ticket still leaves a
            // printed ticket: never print it again.
            let after = query_status(io).await.ok().map(|mut s| {
                s.paper_near_end |= paper & GS_R_NEAR_END == GS_R_NEAR_END;
                s
            });
            Ok(Printed {
                confirmed: true,
                after,
            })
        }
        Err(cause) => {
            // Why: the printer's own answer (paper out, cover open) when it
            // still talks on this connection, else the transport's error.
            match (query_status(io).await, cause) {
                (Ok(now), cause) => match now.problem() {
                    Some(problem) => Err(PrinterError::Unconfirmed(Box::new(problem))),
                    // Online and ready, the connection intact, yet no
                    // answer to `GS r 1` in CONFIRM_TIMEOUT: a printer that
                    // does not implement it. Printing again would print a
                    // duplicate on every attempt; take it as printed,
                    // unconfirmed.
                    None if matches!(cause, PrinterError::NoReply) => {
                        tracing::warn!(
                            "the printer answers DLE EOT but not GS r 1: tickets cannot be confirmed"
                        );
                        Ok(Printed {
                            confirmed: false,
                            after: Some(now),
                        })
                    }
                    None => Err(PrinterError::Unconfirmed(Box::new(cause))),
                },
                (Err(_), cause) => Err(PrinterError::Unconfirmed(Box::new(cause))),
            }
        }
    }
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

    /// A printer on the other end of an in-memory pipe: answers
    /// `DLE EOT n` with `replies[n]` and `GS r 1` with the near-end and
    /// end bits of `replies[2]`, and returns every byte it received, in
    /// order. With `hang_up_after`, it drops the pipe once it has received
    /// that many bytes (a printer reset half-way through a ticket).
    async fn fake(
        mut io: tokio::io::DuplexStream,
        replies: [u8; 3],
        hang_up_after: Option<usize>,
    ) -> Vec<u8> {
        let mut seen = Vec::new();
        let mut unanswered = 0;
        let mut buf = [0u8; 256];
        loop {
            let n = match io.read(&mut buf).await {
                Ok(0) | Err(_) => return seen,
                Ok(n) => n,
            };
            seen.extend(&buf[..n]);
            if hang_up_after.is_some_and(|max| seen.len() >= max) {
                seen.truncate(hang_up_after.unwrap_or_default());
                return seen;
            }
            while let Some(i) = seen[unanswered..]
                .windows(3)
                .position(|w| w[..2] == [0x10, 0x04] || w == CONFIRM_QUERY)
            {
                let at = unanswered + i;
                let reply = match seen[at..at + 3] {
                    [0x10, 0x04, 1] => replies[0],
                    [0x10, 0x04, 2] => replies[1],
                    [0x10, 0x04, _] => replies[2],
                    _ => {
                        u8::from(replies[2] & 0x0C == 0x0C) * 0x03
                            + u8::from(replies[2] & 0x60 == 0x60) * 0x0C
                    }
                };
                unanswered = at + 3;
                if io.write_all(&[reply]).await.is_err() {
                    return seen;
                }
            }
        }
    }

    const STATUS: [u8; 9] = [0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4];

    #[tokio::test]
    async fn prints_when_ready_and_not_when_out_of_paper() {
        let (mut ours, theirs) = tokio::io::duplex(1024);
        let printer = tokio::spawn(fake(theirs, [0x12, 0x12, 0x12], None));
        let printed = print(&mut ours, b"hello", true).await.unwrap();
        assert_eq!(
            printed,
            Printed {
                confirmed: true,
                after: Some(PrinterStatus::default())
            }
        );
        drop(ours);
        // Status, the ticket, its confirmation query, status again.
        let wire = [&STATUS[..], b"hello", &CONFIRM_QUERY, &STATUS].concat();
        assert_eq!(printer.await.unwrap(), wire);

        let (mut ours, theirs) = tokio::io::duplex(1024);
        let printer = tokio::spawn(fake(theirs, [0x1A, 0x32, 0x72], None));
        let err = print(&mut ours, b"hello", true).await.unwrap_err();
        assert_eq!(err.reported(), ReportedState::PaperOut);
        drop(ours);
        assert_eq!(printer.await.unwrap(), STATUS, "nothing printed");
    }

    #[tokio::test]
    async fn a_ticket_cut_off_half_way_is_not_confirmed() {
        let (mut ours, theirs) = tokio::io::duplex(1024);
        let printer = tokio::spawn(fake(theirs, [0x12, 0x12, 0x12], Some(STATUS.len() + 3)));
        let err = print(&mut ours, b"hello", true).await.unwrap_err();
        assert!(matches!(err, PrinterError::Unconfirmed(_)), "{err:?}");
        assert_eq!(err.reported(), ReportedState::Error);
        assert_eq!(printer.await.unwrap(), [&STATUS[..], b"hel"].concat());

        // A printer that takes the whole ticket but never answers the
        // confirmation query (stopped half-way) is not confirmed either.
        tokio::time::pause();
        let (mut ours, mut theirs) = tokio::io::duplex(1024);
        let printer = tokio::spawn(async move {
            let mut buf = [0u8; 64];
            let mut seen: Vec<u8> = Vec::new();
            while seen.len() < 9 {
                let n = theirs.read(&mut buf).await.unwrap();
                seen.extend(&buf[..n]);
                theirs.write_all(&[0x12]).await.unwrap();
            }
            let _ = theirs.read(&mut buf).await;
            theirs
        });
        let err = print(&mut ours, b"hello", true).await.unwrap_err();
        assert!(matches!(err, PrinterError::Unconfirmed(_)), "{err:?}");
        assert_eq!(err.reported(), ReportedState::Offline);
        drop(printer);
    }

    #[tokio::test]
    async fn a_ready_printer_without_gs_r_is_not_reprinted() {
        tokio::time::pause();
        let (mut ours, mut theirs) = tokio::io::duplex(1024);
        // Answers every DLE EOT with "ready", ignores everything else.
        let _printer = tokio::spawn(async move {
            let mut seen: Vec<u8> = Vec::new();
            let mut buf = [0u8; 64];
            while let Ok(n) = theirs.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                seen.extend(&buf[..n]);
                while let Some(i) = seen.windows(2).position(|w| w == [0x10, 0x04]) {
                    seen.drain(..i + 3);
                    theirs.write_all(&[0x12]).await.unwrap();
                }
            }
        });
        let printed = print(&mut ours, b"hello", true).await.unwrap();
        assert_eq!(
            printed,
            Printed {
                confirmed: false,
                after: Some(PrinterStatus::default())
            }
        );
    }

    #[tokio::test]
    async fn near_end_is_reported_as_paper_low() {
        let (mut ours, theirs) = tokio::io::duplex(1024);
        let _printer = tokio::spawn(fake(theirs, [0x12, 0x12, 0x1E], None));
        let printed = print(&mut ours, b"hello", true).await.unwrap();
        assert!(printed.confirmed);
        let after = printed.after.unwrap();
        assert_eq!(after.reported(), ReportedState::PaperLow);
        assert_eq!(after.detail().as_deref(), Some("paper roll near its end"));
        assert_eq!(
            serde_json::to_value(ReportedState::PaperLow).unwrap(),
            "paper_low"
        );
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
