//! Waitwell's kiosk agent: runs beside a kiosk's thermal printer, follows
//! the branch's live stream with the kiosk's device token, prints the
//! tickets this kiosk issues and reports the printer's state.
//!
//! Reading order:
//! - [`config`]: the TOML configuration file.
//! - [`agent`]: the loop (live stream → print jobs → printer → status
//!   reports), delivery confirmation and the state file (in-flight and
//!   done marks).
//! - [`layout`]: the ticket layout, a pure function to ESC/POS bytes.
//! - [`codepage`]: text to the printer's 8-bit code page, with
//!   transliteration; never UTF-8.
//! - [`raster`]: lines the page cannot print (Greek, Arabic, CJK…) drawn
//!   with the shipped font and the configured fallbacks, as `GS v 0`
//!   images.
//! - [`i18n`]: the printed labels, one Fluent file per language.
//! - [`printer`]: connections (TCP, USB, serial, file), `DLE EOT` status,
//!   [`printer::PrinterError`].
//!
//! No dependency on `waitwell-server`: the agent speaks HTTP and the live
//! stream only (`waitwell-client`).

pub mod agent;
pub mod codepage;
pub mod config;
pub mod i18n;
pub mod layout;
pub mod printer;
pub mod raster;

pub use agent::run;
pub use config::Config;
