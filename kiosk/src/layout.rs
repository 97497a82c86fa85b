//! The ticket layout and its ESC/POS encoding: a pure function from a
//! [`PrintTicket`] to the bytes a printer receives.
//!
//! The few ESC/POS commands used are written out here rather than through
//! the `escpos` crate, so the encoder has no I/O and every byte is under
//! our control (text goes through [`CodePage::encode`], never UTF-8).
//! Sizes assume font A: 48 columns on 80 mm paper, 32 on 58 mm.
//!
//! Each line is decided on its own: one the ticket's code page prints in
//! full ([`CodePage::covers`]) is sent as text, exactly as before; any
//! other (Greek, Arabic, Hebrew, Chinese, or a Latin line with a letter the
//! page lacks) is drawn by [`crate::raster`] and sent as a `GS v 0` image
//! the paper's width. The large ticket number is always text (ASCII).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::codepage::CodePage;
use crate::i18n;
use crate::raster::{Bitmap, Fonts, TextStyle};

/// `ESC @`: reset the printer's modes.
pub const INIT: [u8; 2] = [0x1B, 0x40];
/// `LF`.
pub const LF: u8 = 0x0A;

/// Paper roll width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub enum PaperWidth {
    /// 58 mm roll: 32 columns, 384 dots.
    Mm58,
    /// 80 mm roll: 48 columns, 576 dots.
    #[default]
    Mm80,
}

impl PaperWidth {
    /// Characters per line in font A at normal size.
    pub fn columns(self) -> usize {
        match self {
            PaperWidth::Mm58 => 32,
            PaperWidth::Mm80 => 48,
        }
    }

    /// Printable dots per line.
    pub fn dots(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 384,
            PaperWidth::Mm80 => 576,
        }
    }
}

impl TryFrom<u16> for PaperWidth {
    type Error = String;
    fn try_from(mm: u16) -> Result<Self, String> {
        match mm {
            58 => Ok(PaperWidth::Mm58),
            80 => Ok(PaperWidth::Mm80),
            other => Err(format!("paper_width must be 58 or 80, not {other}")),
        }
    }
}

impl From<PaperWidth> for u16 {
    fn from(w: PaperWidth) -> u16 {
        match w {
            PaperWidth::Mm58 => 58,
            PaperWidth::Mm80 => 80,
        }
    }
}

/// A monochrome raster image (the office logo), one bit per dot, rows
/// padded to whole bytes, most significant bit leftmost, 1 = black: the
/// layout of both PBM (P4) files and `GS v 0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    /// Width in dots.
    pub width: u32,
    /// Height in dots.
    pub height: u32,
    /// `height` rows of `width.div_ceil(8)` bytes.
    pub bits: Vec<u8>,
}

impl Logo {
    /// Reads a binary PBM (`P4`) image, e.g. made with
    /// `convert logo.png -monochrome logo.pbm`. PBM is read by hand so the
    /// agent needs no image library.
    ///
    /// # Errors
    /// Not a P4 file, or the data is shorter than the header says.
    pub fn from_pbm(data: &[u8]) -> Result<Logo, String> {
        let mut pos = 0;
        let mut fields = Vec::new();
        while fields.len() < 3 {
            while pos < data.len() && data[pos].is_ascii_whitespace() {
                pos += 1;
            }
            if data.get(pos) == Some(&b'#') {
                while pos < data.len() && data[pos] != b'\n' {
                    pos += 1;
                }
                continue;
            }
            let start = pos;
            while pos < data.len() && !data[pos].is_ascii_whitespace() {
                pos += 1;
            }
            if start == pos {
                return Err("truncated PBM header".into());
            }
            fields.push(String::from_utf8_lossy(&data[start..pos]).into_owned());
        }
        if fields[0] != "P4" {
            return Err("not a binary PBM (P4) file".into());
        }
        let width: u32 = fields[1].parse().map_err(|_| "bad PBM width")?;
        let height: u32 = fields[2].parse().map_err(|_| "bad PBM height")?;
        let size = width.div_ceil(8) as usize * height as usize;
        let bits = data
            .get(pos + 1..pos + 1 + size)
            .ok_or("PBM data is shorter than its header says")?;
        if width == 0 || height == 0 || width > 65_535 / 8 || height > 2_000 {
            return Err(format!("unusable logo size {width}x{height}"));
        }
        Ok(Logo {
            width,
            height,
            bits: bits.to_vec(),
        })
    }

    /// `GS v 0`: print the raster image (in bands, see
    /// [`crate::raster::raster_commands`]).
    fn command(&self) -> Vec<u8> {
        crate::raster::raster_commands(self.width.div_ceil(8) as usize, self.height, &self.bits)
    }
}

/// Everything printed on one ticket, already resolved to text: the agent
/// fills it from the ticket, the branch and the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintTicket {
    /// Office (branch) name, at the top.
    pub office: String,
    /// Ticket number, e.g. `A042`, printed large.
    pub number: String,
    /// Service name in the ticket's language.
    pub service: String,
    /// Issue time, formatted in the branch's timezone.
    pub issued: String,
    /// People ahead in the queue, when known.
    pub people_ahead: Option<i64>,
    /// Estimated wait in minutes, when known.
    pub wait_minutes: Option<i64>,
    /// Content of the QR code (the visitor's ticket page), if any.
    pub qr: Option<String>,
    /// The branch's message, at the bottom (may be empty).
    pub message: String,
    /// Language of the labels (BCP 47).
    pub language: String,
    /// Code page for all text.
    pub code_page: CodePage,
    /// Paper width.
    pub width: PaperWidth,
    /// Logo above the office name; skipped when wider than the paper.
    pub logo: Option<Logo>,
}

/// `ESC a n`: 0 left, 1 centre.
fn align(out: &mut Vec<u8>, n: u8) {
    out.extend([0x1B, 0x61, n]);
}

/// `ESC E n`: bold on or off.
fn bold(out: &mut Vec<u8>, on: bool) {
    out.extend([0x1B, 0x45, u8::from(on)]);
}

/// `GS ! n`: character size, `times` wide and high (1–8).
fn size(out: &mut Vec<u8>, times: u8) {
    let n = times.clamp(1, 8) - 1;
    out.extend([0x1D, 0x21, (n << 4) | n]);
}

/// Splits encoded text into lines of at most `columns` bytes (one byte
/// is one column) at spaces, breaking words longer than a line. Works on
/// bytes, after encoding, because transliteration can lengthen a word and
/// only the ASCII space separates words (0x85 or 0xFF are letters or
/// no-break spaces in some pages).
pub fn wrap(text: &[u8], columns: usize) -> Vec<Vec<u8>> {
    let columns = columns.max(1);
    let mut lines = Vec::new();
    let mut line: Vec<u8> = Vec::new();
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.len() + 1 + word.len() <= columns {
            line.push(b' ');
            line.extend(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut chunks = word.chunks(columns).peekable();
        while let Some(chunk) = chunks.next() {
            if chunks.peek().is_some() {
                lines.push(chunk.to_vec());
            } else {
                line.extend(chunk);
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Encodes text in the page and prints it wrapped, each line ending in LF.
fn text_lines(out: &mut Vec<u8>, page: CodePage, text: &str, columns: usize) {
    for line in wrap(&page.encode(text), columns) {
        out.extend(line);
        out.push(LF);
    }
}

/// What a ticket's lines are printed with.
struct Lines<'a> {
    page: CodePage,
    width: PaperWidth,
    fonts: &'a Fonts,
}

impl Lines<'_> {
    /// Prints one paragraph at normal size: as text when the page prints
    /// all of it, otherwise as an image the paper's width, centred like the
    /// text lines and wrapped the same way (cosmic-text breaks the lines,
    /// in the script's own direction). `bold` thickens the image's strokes;
    /// the caller's `ESC E` does it for text.
    fn paragraph(&self, out: &mut Vec<u8>, text: &str, bold: bool) {
        if self.page.covers(text) {
            text_lines(out, self.page, text, self.width.columns());
            return;
        }
        let style = TextStyle {
            centred: true,
            bold,
        };
        out.extend(self.fonts.render(text, self.width.dots(), style).commands());
    }
}

/// `GS ( k`: a QR code (model 2, error correction M) of `data`, `module`
/// dots per module. Non-ASCII in the data is percent-encoded, so even the
/// QR payload carries no raw UTF-8.
fn qr(out: &mut Vec<u8>, data: &str, module: u8) {
    let mut payload = String::new();
    for b in data.bytes() {
        if (0x21..0x7F).contains(&b) {
            payload.push(char::from(b));
        } else {
            let _ = write!(payload, "%{b:02X}");
        }
    }
    let payload = payload.as_bytes();
    // Store: pL pH count the bytes after them (cn fn m + data).
    let Ok(len) = u16::try_from(payload.len() + 3) else {
        return;
    };
    out.extend([0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]);
    out.extend([0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, module]);
    out.extend([0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]);
    out.extend([0x1D, 0x28, 0x6B]);
    out.extend(len.to_le_bytes());
    out.extend([0x31, 0x50, 0x30]);
    out.extend(payload);
    out.extend([0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]);
    out.push(LF);
}

/// The ESC/POS bytes of a ticket: reset, code page, centred logo and
/// office name, the number four times (58 mm: three times) the normal
/// size, service, issue time, queue position and wait, QR code, message,
/// feed and partial cut. Lines the page cannot print are drawn with the
/// shipped font only; see [`encode_with`].
pub fn encode(ticket: &PrintTicket) -> Vec<u8> {
    encode_with(ticket, Fonts::shipped())
}

/// [`encode`], drawing the lines the page cannot print with `fonts` (the
/// shipped font and the configured fallbacks).
pub fn encode_with(ticket: &PrintTicket, fonts: &Fonts) -> Vec<u8> {
    let page = ticket.code_page;
    let columns = ticket.width.columns();
    let lines = Lines {
        page,
        width: ticket.width,
        fonts,
    };
    let labels = i18n::labels(&ticket.language, ticket.people_ahead, ticket.wait_minutes);
    let mut out = Vec::with_capacity(512);
    out.extend(INIT);
    out.extend([0x1B, 0x74, page.escpos_number()]);
    align(&mut out, 1);
    if let Some(logo) = &ticket.logo
        && logo.width <= ticket.width.dots()
    {
        out.extend(logo.command());
        out.push(LF);
    }
    bold(&mut out, true);
    lines.paragraph(&mut out, &ticket.office, true);
    bold(&mut out, false);
    out.push(LF);
    lines.paragraph(&mut out, &labels.ticket, false);
    // The largest size at which the number still fits on one line.
    let number = page.encode(&ticket.number);
    let largest: u8 = match ticket.width {
        PaperWidth::Mm58 => 3,
        PaperWidth::Mm80 => 4,
    };
    let times = (1..=largest)
        .rev()
        .find(|&t| number.len() * usize::from(t) <= columns)
        .unwrap_or(1);
    size(&mut out, times);
    bold(&mut out, true);
    text_lines(&mut out, page, &ticket.number, columns / usize::from(times));
    bold(&mut out, false);
    size(&mut out, 1);
    out.push(LF);
    bold(&mut out, true);
    lines.paragraph(&mut out, &ticket.service, true);
    bold(&mut out, false);
    lines.paragraph(
        &mut out,
        &format!("{}: {}", labels.issued, ticket.issued),
        false,
    );
    for line in [&labels.people_ahead, &labels.estimated_wait]
        .into_iter()
        .flatten()
    {
        lines.paragraph(&mut out, line, false);
    }
    if let Some(data) = &ticket.qr {
        out.push(LF);
        qr(
            &mut out,
            data,
            match ticket.width {
                PaperWidth::Mm58 => 4,
                PaperWidth::Mm80 => 6,
            },
        );
    }
    if !ticket.message.trim().is_empty() {
        out.push(LF);
        lines.paragraph(&mut out, &ticket.message, false);
    }
    align(&mut out, 0);
    // Feed past the cutter, then a partial cut.
    out.extend([0x1B, 0x64, 0x04]);
    out.extend([0x1D, 0x56, 0x01]);
    out
}

/// A sample ticket for `print-test`.
pub fn sample(language: &str, width: PaperWidth, code_page: Option<CodePage>) -> PrintTicket {
    let (office, service, message) = match language.split(['-', '_']).next().unwrap_or("") {
        "pl" => (
            "Urząd Miasta Łódź",
            "Dowody osobiste",
            "Prosimy o cierpliwość - zapraszamy do okienka.",
        ),
        "da" => (
            "Borgerservice Køge",
            "Pas og kørekort",
            "Følg skærmen - vi kalder dit nummer.",
        ),
        "uk" => (
            "Міська рада Львова",
            "Паспорти й ID-картки",
            "Стежте за екраном - ми викличемо ваш номер.",
        ),
        "de" => (
            "Bürgeramt Müllheim",
            "Führerscheinstelle",
            "Bitte achten Sie auf den Bildschirm - danke für Ihre Geduld.",
        ),
        "tr" => (
            "Kadıköy Belediyesi",
            "Pasaport işlemleri",
            "Lütfen ekranı izleyin - numaranız çağrılacak.",
        ),
        "el" => (
            "Δημαρχείο Θεσσαλονίκης",
            "Διαβατήρια",
            "Παρακαλούμε παρακολουθείτε την οθόνη - θα καλέσουμε τον αριθμό σας.",
        ),
        "ar" => (
            "مركز خدمة المواطنين",
            "جوازات السفر",
            "يرجى متابعة الشاشة - سننادي رقمك قريبا.",
        ),
        "zh" => (
            "市民服务中心",
            "护照办理",
            "请留意屏幕 - 我们会叫您的号码。",
        ),
        _ => (
            "City Hall",
            "Passports",
            "Please watch the screen - your number will be called.",
        ),
    };
    PrintTicket {
        office: office.into(),
        number: "A042".into(),
        service: service.into(),
        issued: "2026-11-23 09:41".into(),
        people_ahead: Some(3),
        wait_minutes: Some(12),
        qr: Some("http://waitwell.example/ticket/?t=sample".into()),
        message: message.into(),
        language: language.into(),
        code_page: code_page.unwrap_or_else(|| CodePage::for_language(language)),
        width,
        logo: None,
    }
}

/// The text a printer would print from `bytes` made by [`encode`]: lines
/// separated by `\n`, a QR code shown as `[QR data]`, an image (the logo,
/// or a line drawn because the page lacks its letters; its bands joined)
/// as `[IMAGE widthxheight]` on a line of its own. Bytes that are neither
/// known commands nor characters of the selected page show as `\u{FFFD}`.
/// For tests, dry runs and support.
pub fn text_of(bytes: &[u8]) -> String {
    let mut out = String::new();
    // After an image the printer starts a new line; an LF right after one
    // ends that line (as after the logo) rather than adding a blank one.
    let mut after_image = false;
    walk(bytes, |item| {
        if after_image && !matches!(item, Item::Lf) {
            out.push('\n');
        }
        after_image = false;
        match item {
            Item::Char(c) => out.push(c),
            Item::Lf => out.push('\n'),
            Item::Qr(data) => out.push_str(&format!("[QR {}]", String::from_utf8_lossy(data))),
            Item::Image(image) => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(&format!("[IMAGE {}x{}]", image.width, image.height));
                after_image = true;
            }
        }
    });
    out
}

/// The images in `bytes` made by [`encode`], the bands of each joined:
/// what the printer draws, for tests and previews.
pub fn images_of(bytes: &[u8]) -> Vec<Bitmap> {
    let mut images = Vec::new();
    walk(bytes, |item| {
        if let Item::Image(image) = item {
            images.push(image);
        }
    });
    images
}

/// What [`walk`] finds.
enum Item<'a> {
    Char(char),
    Lf,
    Qr(&'a [u8]),
    Image(Bitmap),
}

/// Reads the commands of [`encode`]'s output in order. Consecutive
/// `GS v 0` bands of one width are one image.
fn walk<'a>(bytes: &'a [u8], mut f: impl FnMut(Item<'a>)) {
    let mut page = CodePage::Pc437;
    let mut image: Option<Bitmap> = None;
    let mut i = 0;
    let at = |i: usize| usize::from(bytes.get(i).copied().unwrap_or(0));
    while i < bytes.len() {
        let band = bytes[i] == 0x1D && bytes.get(i + 1) == Some(&0x76);
        if !band && let Some(done) = image.take() {
            f(Item::Image(done));
        }
        match bytes[i] {
            0x1B => match bytes.get(i + 1) {
                Some(0x40) => i += 2,
                Some(0x74) => {
                    let n = bytes.get(i + 2).copied().unwrap_or(0);
                    page = CodePage::ALL
                        .into_iter()
                        .find(|p| p.escpos_number() == n)
                        .unwrap_or(CodePage::Pc437);
                    i += 3;
                }
                _ => i += 3,
            },
            0x1D => match bytes.get(i + 1) {
                Some(0x28) => {
                    let len = at(i + 3) | at(i + 4) << 8;
                    if bytes.get(i + 6..i + 8) == Some(&[0x50, 0x30]) {
                        let data = bytes.get(i + 8..i + 5 + len).unwrap_or_default();
                        f(Item::Qr(data));
                    }
                    i += 5 + len;
                }
                Some(0x76) => {
                    let x = at(i + 4) | at(i + 5) << 8;
                    let y = at(i + 6) | at(i + 7) << 8;
                    let data = bytes.get(i + 8..i + 8 + x * y).unwrap_or_default();
                    let width = u32::try_from(x * 8).unwrap_or(u32::MAX);
                    match &mut image {
                        Some(open) if open.width == width => {
                            open.bits.extend(data);
                            open.height += u32::try_from(y).unwrap_or(0);
                        }
                        _ => {
                            if let Some(done) = image.take() {
                                f(Item::Image(done));
                            }
                            image = Some(Bitmap {
                                width,
                                height: u32::try_from(y).unwrap_or(0),
                                bits: data.to_vec(),
                            });
                        }
                    }
                    i += 8 + x * y;
                }
                _ => i += 3,
            },
            0x10 => i += 3,
            LF => {
                f(Item::Lf);
                i += 1;
            }
            b => {
                f(Item::Char(page.decode_byte(b).unwrap_or('\u{FFFD}')));
                i += 1;
            }
        }
    }
    if let Some(done) = image {
        f(Item::Image(done));
    }
}
