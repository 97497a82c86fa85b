//! A network ESC/POS printer stand-in: a loopback TCP listener that speaks
//! the status protocol the way a real printer does, records what it
//! prints, and misbehaves on request.
//!
//! - `DLE EOT n` (n = 1, 2, 4) is a real-time command: answered as soon as
//!   it arrives, with the status bytes set by the test.
//! - `GS r 1` is executed in order, after the bytes before it: answered
//!   once they are "printed", never while the printer is offline (paper
//!   out, cover open) or while the test holds confirmations. Its reply
//!   carries the paper sensors (near-end bits 0–1, end bits 2–3).
//! - Everything else is ticket data: each connection's data is one entry
//!   of [`Printer::prints`], visible while the connection is still open.
//! - [`Printer::reset_mid_ticket`] resets (TCP RST) every connection once
//!   it has received that many data bytes: the rest of the ticket is lost.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Replies to `DLE EOT 1`, `2`, `4`: ready.
pub const READY: [u8; 3] = [0x12, 0x12, 0x12];
/// Offline, printing stopped at paper end, paper end sensor.
pub const PAPER_OUT: [u8; 3] = [0x1A, 0x32, 0x72];
/// Ready, paper near-end sensor set (`DLE EOT 4` bits 2–3).
pub const PAPER_LOW: [u8; 3] = [0x12, 0x12, 0x1E];

/// What the test controls and what the printer saw.
#[derive(Default)]
struct State {
    status: [u8; 3],
    prints: Vec<Vec<u8>>,
    reset_after: Option<usize>,
    hold: bool,
    held: usize,
    confirmed: usize,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled by the test when it changes the state: connections with
    /// held `GS r` queries re-check whether to answer them.
    changed: Notify,
}

/// A running stand-in; stops when dropped.
pub struct Printer {
    /// Its loopback port.
    pub port: u16,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl Drop for Printer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Printer {
    /// Starts a printer on a free loopback port.
    ///
    /// # Panics
    /// If no port can be bound.
    pub async fn start(status: [u8; 3]) -> Printer {
        Printer::on(TcpListener::bind("127.0.0.1:0").await.unwrap(), status)
    }

    /// Starts a printer on `listener`.
    ///
    /// # Panics
    /// If the listener has no local address.
    pub fn on(listener: TcpListener, status: [u8; 3]) -> Printer {
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                status,
                ..State::default()
            }),
            changed: Notify::new(),
        });
        let s = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, s.clone()));
            }
        });
        Printer { port, shared, task }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let out = f(&mut self.shared.state.lock().unwrap());
        self.shared.changed.notify_waiters();
        out
    }

    /// Each connection's ticket data (queries removed), in order.
    pub fn prints(&self) -> Vec<Vec<u8>> {
        self.with(|s| s.prints.clone())
    }

    /// Sets the `DLE EOT 1`, `2`, `4` replies.
    pub fn set_status(&self, status: [u8; 3]) {
        self.with(|s| s.status = status);
    }

    /// Resets every connection that has received `bytes` data bytes
    /// (`None`: never).
    pub fn reset_mid_ticket(&self, bytes: Option<usize>) {
        self.with(|s| s.reset_after = bytes);
    }

    /// Holds (`true`) or answers (`false`) `GS r` confirmations.
    pub fn hold_confirmations(&self, hold: bool) {
        self.with(|s| s.hold = hold);
    }

    /// `GS r` queries received and not answered yet.
    pub fn held(&self) -> usize {
        self.with(|s| s.held)
    }

    /// `GS r` queries answered.
    pub fn confirmed(&self) -> usize {
        self.with(|s| s.confirmed)
    }
}

/// The reply to `GS r 1` for these `DLE EOT` replies: near-end and end
/// sensor bits.
fn paper_sensor(status: [u8; 3]) -> u8 {
    let mut reply = 0;
    if status[2] & 0x0C == 0x0C {
        reply |= 0x03;
    }
    if status[2] & 0x60 == 0x60 {
        reply |= 0x0C;
    }
    reply
}

async fn serve(mut socket: TcpStream, shared: Arc<Shared>) {
    // Index of this connection's entry in `prints`, once it printed.
    let mut slot: Option<usize> = None;
    // Bytes received and not parsed yet (a command split across reads).
    let mut pending: Vec<u8> = Vec::new();
    // `GS r` queries of this connection not answered yet.
    let mut waiting = 0usize;
    let mut buf = [0u8; 4096];
    loop {
        let changed = shared.changed.notified();
        if waiting > 0 {
            let answer = {
                let mut s = shared.state.lock().unwrap();
                let answer = (!s.hold && s.status[0] & 0x08 == 0).then(|| paper_sensor(s.status));
                if answer.is_some() {
                    s.held -= waiting;
                    s.confirmed += waiting;
                }
                answer
            };
            if let Some(reply) = answer {
                if socket.write_all(&vec![reply; waiting]).await.is_err() {
                    return;
                }
                waiting = 0;
            }
        }
        let n = tokio::select! {
            read = socket.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            },
            () = changed, if waiting > 0 => continue,
        };
        pending.extend(&buf[..n]);
        let mut data = Vec::new();
        let mut replies = Vec::new();
        let mut i = 0;
        while i < pending.len() {
            let command = pending.get(i..i + 3);
            match (pending[i], command) {
                (0x10 | 0x1D, None) => break,
                (_, Some([0x10, 0x04, n @ (1 | 2 | 4)])) => {
                    let status = shared.state.lock().unwrap().status;
                    replies.push(match *n {
                        1 => status[0],
                        2 => status[1],
                        _ => status[2],
                    });
                    i += 3;
                }
                (_, Some([0x1D, 0x72, 1])) => {
                    // In order: answered at the top of the loop, after
                    // the data before it is recorded.
                    waiting += 1;
                    shared.state.lock().unwrap().held += 1;
                    i += 3;
                }
                (byte, _) => {
                    data.push(byte);
                    i += 1;
                }
            }
        }
        pending.drain(..i);
        let reset = {
            let mut s = shared.state.lock().unwrap();
            let mut reset = false;
            if !data.is_empty() {
                let at = *slot.get_or_insert_with(|| {
                    s.prints.push(Vec::new());
                    s.prints.len() - 1
                });
                if let Some(max) = s.reset_after {
                    let print = &mut s.prints[at];
                    let room = max.saturating_sub(print.len());
                    reset = data.len() >= room;
                    data.truncate(room);
                }
                s.prints[at].extend(&data);
            }
            reset
        };
        if reset {
            // RST rather than FIN: the sender's next write or read fails.
            // Deprecated because a non-zero linger blocks the thread on
            // drop; zero sends the RST at once and never blocks.
            #[allow(deprecated)]
            let _ = socket.set_linger(Some(std::time::Duration::ZERO));
            break;
        }
        if socket.write_all(&replies).await.is_err() {
            break;
        }
    }
    // Queries of a closed connection are never answered.
    shared.state.lock().unwrap().held -= waiting;
}
