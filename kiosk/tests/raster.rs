//! Lines the code page cannot print, as raster images: the `GS v 0` bytes,
//! right-to-left order and Arabic joining read back from the rendered
//! dots, per-line choice between text and image, a CJK fallback font, and
//! a property test that a ticket of any text holds only commands, page
//! bytes and image data. `WAITWELL_UPDATE_DOCS=1` also rewrites
//! `docs/ticket-arabic.png`, the README's picture of an Arabic ticket.

use std::path::Path;

use proptest::prelude::*;
use waitwell_kiosk::codepage::CodePage;
use waitwell_kiosk::layout::{self, PaperWidth, encode, encode_with, images_of, text_of};
use waitwell_kiosk::raster::{Bitmap, Fonts, LINE_HEIGHT, MAX_BAND_ROWS, TextStyle};

/// The Debian package `fonts-wqy-microhei` (installed by `.ci/run`).
const CJK_FONT: &str = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

/// One piece of a ticket's byte stream.
#[derive(Debug)]
enum Segment {
    /// A printed line of page bytes (without its LF), at `times` size.
    Text {
        bytes: Vec<u8>,
        page: CodePage,
        times: u8,
    },
    /// One `GS v 0` band.
    Band(Bitmap),
    /// A QR code's data and module size.
    Qr { data: Vec<u8>, module: u8 },
}

/// Parses `bytes` strictly: every byte is part of a command this crate
/// sends, with its exact length, or a character of the selected page.
/// Anything else (UTF-8, a stray control byte, a truncated image) fails.
fn parse(bytes: &[u8]) -> Result<Vec<Segment>, String> {
    let mut out = Vec::new();
    let mut page = CodePage::Pc437;
    let mut times = 1;
    let mut line: Vec<u8> = Vec::new();
    let mut module = 0;
    let mut i = 0;
    let get = |i: usize| -> Result<u8, String> {
        bytes
            .get(i)
            .copied()
            .ok_or_else(|| format!("truncated at {i}"))
    };
    while i < bytes.len() {
        let b = bytes[i];
        let is_text = b >= 0x20 && b != 0x7F;
        if !is_text && !line.is_empty() && b != 0x0A {
            return Err(format!("command at {i} in the middle of a text line"));
        }
        match b {
            0x1B => {
                match get(i + 1)? {
                    0x40 => {
                        i += 2;
                        continue;
                    }
                    0x74 => {
                        let n = get(i + 2)?;
                        page = CodePage::ALL
                            .into_iter()
                            .find(|p| p.escpos_number() == n)
                            .ok_or(format!("unknown code page {n}"))?;
                    }
                    0x61 | 0x45 | 0x64 => {
                        get(i + 2)?;
                    }
                    other => return Err(format!("unknown ESC {other:#x} at {i}")),
                }
                i += 3;
            }
            0x1D => match get(i + 1)? {
                0x21 => {
                    let n = get(i + 2)?;
                    times = (n & 0x0F) + 1;
                    i += 3;
                }
                0x56 => {
                    get(i + 2)?;
                    i += 3;
                }
                0x28 => {
                    if get(i + 2)? != 0x6B {
                        return Err(format!("GS ( {:#x}", bytes[i + 2]));
                    }
                    let len = usize::from(get(i + 3)?) | usize::from(get(i + 4)?) << 8;
                    let body = bytes.get(i + 5..i + 5 + len).ok_or("truncated GS ( k")?;
                    match body {
                        [0x31, 0x43, m] => module = *m,
                        [0x31, 0x50, 0x30, data @ ..] => out.push(Segment::Qr {
                            data: data.to_vec(),
                            module,
                        }),
                        _ => {}
                    }
                    i += 5 + len;
                }
                0x76 => {
                    if get(i + 2)? != 0x30 || get(i + 3)? != 0 {
                        return Err("GS v 0 with m other than 0".into());
                    }
                    let x = usize::from(get(i + 4)?) | usize::from(get(i + 5)?) << 8;
                    let y = usize::from(get(i + 6)?) | usize::from(get(i + 7)?) << 8;
                    if y == 0 || y > MAX_BAND_ROWS as usize || x == 0 {
                        return Err(format!("band {x}x{y}"));
                    }
                    let bits = bytes
                        .get(i + 8..i + 8 + x * y)
                        .ok_or("truncated GS v 0 data")?;
                    out.push(Segment::Band(Bitmap {
                        width: x as u32 * 8,
                        height: y as u32,
                        bits: bits.to_vec(),
                    }));
                    i += 8 + x * y;
                }
                other => return Err(format!("unknown GS {other:#x} at {i}")),
            },
            0x0A => {
                out.push(Segment::Text {
                    bytes: std::mem::take(&mut line),
                    page,
                    times,
                });
                i += 1;
            }
            _ if is_text => {
                if page.decode_byte(b).is_none() {
                    return Err(format!("{b:#x} at {i} is not a character of {page}"));
                }
                line.push(b);
                i += 1;
            }
            _ => return Err(format!("control byte {b:#x} at {i}")),
        }
    }
    if !line.is_empty() {
        return Err("text after the last LF".into());
    }
    Ok(out)
}

/// No `?` stand-in on any line but the QR code's (its URL has one).
fn no_question_marks(text: &str) -> bool {
    text.lines()
        .all(|l| l.starts_with("[QR") || !l.contains('?'))
}

/// The bands of `bytes` made by [`encode`], in order.
fn bands(bytes: &[u8]) -> Vec<Bitmap> {
    parse(bytes)
        .unwrap()
        .into_iter()
        .filter_map(|s| match s {
            Segment::Band(b) => Some(b),
            _ => None,
        })
        .collect()
}

/// `image` as the printer receives it (`GS v 0` bands) and read back from
/// those bytes: the tests look at what is sent, not at the renderer.
fn sent(image: &Bitmap) -> Bitmap {
    let bytes = image.commands();
    let mut bands = bands(&bytes).into_iter();
    let mut out = bands.next().expect("an image is sent");
    for band in bands {
        assert_eq!(band.width, out.width);
        out.height += band.height;
        out.bits.extend(band.bits);
    }
    assert_eq!(&out, image);
    out
}

/// The lowest row with a black dot in columns `x0..=x1`.
fn lowest_ink_row(b: &Bitmap, x0: u32, x1: u32) -> Option<u32> {
    (0..b.height)
        .rev()
        .find(|&y| (x0..=x1).any(|x| b.get(x, y)))
}

/// Runs of inked columns (glyph clusters), left to right.
fn clusters(b: &Bitmap) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut start = None;
    for x in 0..=b.width {
        let ink = x < b.width && (0..b.height).any(|y| b.get(x, y));
        match (ink, start) {
            (true, None) => start = Some(x),
            (false, Some(s)) => {
                out.push((s, x - 1));
                start = None;
            }
            _ => {}
        }
    }
    out
}

#[test]
fn gs_v0_header_is_exact_and_tall_images_are_banded() {
    // A Greek office name on 80 mm paper: one bold line, 576 dots wide
    // (72 = 0x48 bytes), LINE_HEIGHT (32 = 0x20) rows.
    let t = layout::sample("el", PaperWidth::Mm80, None);
    let bytes = encode(&t);
    let header = [0x1D, 0x76, 0x30, 0x00, 0x48, 0x00, 0x20, 0x00];
    let mut office = vec![0x1B, 0x45, 0x01];
    office.extend(header);
    assert!(
        bytes.windows(office.len()).any(|w| w == office),
        "{}",
        text_of(&bytes)
    );
    assert_eq!(LINE_HEIGHT, 32.0);
    // 58 mm: 384 dots, 48 = 0x30 bytes per row.
    let bytes = encode(&layout::sample("el", PaperWidth::Mm58, None));
    let header = [0x1D, 0x76, 0x30, 0x00, 0x30, 0x00];
    assert!(bytes.windows(6).any(|w| w == header));
    for band in bands(&bytes) {
        assert_eq!(band.width, 384);
    }

    // A message of many lines is split into bands of at most 256 rows
    // that together are the whole image.
    let mut t = layout::sample("el", PaperWidth::Mm58, None);
    t.message = "Παρακαλούμε περιμένετε. ".repeat(30);
    let bytes = encode(&t);
    let parsed = bands(&bytes);
    let heights: Vec<u32> = parsed.iter().map(|b| b.height).collect();
    assert!(heights.contains(&256), "{heights:?}");
    let message = images_of(&bytes).into_iter().last().unwrap();
    assert!(message.height > 256, "{}", message.height);
    let n = message.height.div_ceil(256) as usize;
    let tail: Vec<&Bitmap> = parsed.iter().rev().take(n).collect();
    assert_eq!(
        tail.iter().map(|b| b.height).sum::<u32>(),
        message.height,
        "{heights:?}"
    );
}

#[test]
fn greek_line_is_raster_and_polish_stays_text() {
    let el = encode(&layout::sample("el", PaperWidth::Mm80, None));
    let text = text_of(&el);
    // Office, label, service, issue time, people ahead, wait, message: all
    // Greek, all images (the three lines between the service and the QR
    // code follow each other, so they read back as one); the number stays
    // text.
    assert_eq!(text.matches("[IMAGE 576x").count(), 5, "{text}");
    assert!(text.contains("\nA042\n"), "{text}");
    assert!(no_question_marks(&text), "{text}");
    assert!(images_of(&el).iter().all(|b| b.ink() > 100));

    // Polish on PC852: every line is text, byte for byte the page's.
    let pl = layout::sample("pl", PaperWidth::Mm80, None);
    let bytes = encode(&pl);
    assert!(images_of(&bytes).is_empty());
    let lines: Vec<Vec<u8>> = parse(&bytes)
        .unwrap()
        .into_iter()
        .filter_map(|s| match s {
            Segment::Text { bytes, page, .. } => {
                assert_eq!(page, CodePage::Pc852);
                Some(bytes)
            }
            _ => None,
        })
        .collect();
    assert!(lines.contains(&CodePage::Pc852.encode("Urząd Miasta Łódź")));
    assert!(lines.contains(&CodePage::Pc852.encode("Przed Tobą czekają 3 osoby")));
    // Ł is 0x9D, ą 0xA5 in PC852; - stays 0x2D.
    assert!(lines.iter().flatten().any(|&b| b == 0x9D));
    assert!(lines.iter().flatten().any(|&b| b == 0xA5));
    assert!(bytes.windows(3).any(|w| w == b" - "));

    // One Greek word in a Polish ticket turns only that line into an image.
    let mut mixed = pl.clone();
    mixed.service = "Dowody osobiste (Ελλάδα)".into();
    let bytes = encode(&mixed);
    assert_eq!(images_of(&bytes).len(), 1);
    assert!(text_of(&bytes).contains("Urząd Miasta Łódź"));
}

#[test]
fn turkish_prints_as_text_in_pc857() {
    let bytes = encode(&layout::sample("tr", PaperWidth::Mm80, None));
    assert!(bytes.windows(3).any(|w| w == [0x1B, 0x74, 13]));
    assert!(images_of(&bytes).is_empty());
    let text = text_of(&bytes);
    assert!(text.contains("Kadıköy Belediyesi"), "{text}");
    assert!(text.contains("numaranız çağrılacak"), "{text}");
    assert!(text.contains("Önünüzde 3 kişi var"), "{text}");
    // The same ticket on PC858 (no ğ, ı, ş) draws those lines instead.
    let bytes = encode(&layout::sample(
        "tr",
        PaperWidth::Mm80,
        Some(CodePage::Pc858),
    ));
    assert!(!images_of(&bytes).is_empty());
    let text = text_of(&bytes);
    assert!(no_question_marks(&text), "{text}");
}

#[test]
fn arabic_reads_right_to_left() {
    let fonts = Fonts::shipped();
    let start = TextStyle::default();
    // "ب ا": beh first. In RTL order beh is the right-hand glyph; its dot
    // sits below the baseline, which alef never reaches.
    let b = sent(&fonts.render("ب ا", 576, start));
    assert!(b.ink() > 50);
    let c = clusters(&b);
    assert!(c.len() >= 2, "{c:?}");
    let (right, left) = (c[c.len() - 1], c[0]);
    let right_low = lowest_ink_row(&b, right.0, right.1).unwrap();
    let left_low = lowest_ink_row(&b, left.0, left.1).unwrap();
    assert!(right_low > left_low, "beh (dot below) is not on the right");
    // Aligned to the start of an RTL line: the right edge.
    assert!(right.1 > 576 - 16, "{c:?}");
    assert!(left.0 > 400, "{c:?}");

    // Reversed: alef first, on the right.
    let b = sent(&fonts.render("ا ب", 576, start));
    let c = clusters(&b);
    let (right, left) = (c[c.len() - 1], c[0]);
    assert!(
        lowest_ink_row(&b, right.0, right.1).unwrap() < lowest_ink_row(&b, left.0, left.1).unwrap()
    );

    // Latin starts at the left.
    let b = fonts.render("b a", 576, start);
    assert!(b.ink_columns().unwrap().0 < 16);
}

#[test]
fn arabic_letters_join() {
    let fonts = Fonts::shipped();
    let style = TextStyle::default();
    // The same letters, joined (initial, medial, final forms) and kept
    // apart by zero-width non-joiners (isolated forms).
    let joined = sent(&fonts.render("ببب", 576, style));
    let isolated = sent(&fonts.render("ب\u{200C}ب\u{200C}ب", 576, style));
    let width = |b: &Bitmap| {
        let (l, r) = b.ink_columns().unwrap();
        r - l + 1
    };
    assert_ne!(joined, isolated);
    assert!(
        width(&joined) * 10 < width(&isolated) * 8,
        "joined {} vs isolated {}",
        width(&joined),
        width(&isolated)
    );
    // Joined, the word is one stroke: no blank column inside it.
    assert_eq!(clusters(&joined).len(), 1, "{:?}", clusters(&joined));
    assert_eq!(clusters(&isolated).len(), 3, "{:?}", clusters(&isolated));
}

#[test]
fn arabic_ticket_decodes_to_ink() {
    for width in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let t = layout::sample("ar", width, None);
        assert_eq!(t.code_page, CodePage::Pc858);
        let bytes = encode(&t);
        let text = text_of(&bytes);
        assert!(text.contains("\nA042\n"), "{text}");
        assert!(text.contains("[QR http://waitwell.example/ticket/?t=sample]"));
        let images = images_of(&bytes);
        assert_eq!(images.len(), 5, "{text}");
        for image in &images {
            assert_eq!(image.width, width.dots());
            assert!(image.ink() > 100);
            // Centred on the paper like the text lines.
            let (l, r) = image.ink_columns().unwrap();
            let centre = (l + r) / 2;
            assert!(centre.abs_diff(width.dots() / 2) < 16, "{l}..{r}");
        }
        // No UTF-8 of the Arabic text anywhere outside the image data.
        parse(&bytes).unwrap();
    }
}

#[test]
fn chinese_uses_the_fallback_font() {
    if !Path::new(CJK_FONT).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{CJK_FONT} missing in CI: .ci/run installs fonts-wqy-microhei"
        );
        eprintln!("skipped: {CJK_FONT} not installed (apt-get install fonts-wqy-microhei)");
        return;
    }
    let fonts = Fonts::with_fallbacks(&[CJK_FONT]).unwrap();
    assert!(!fonts.fallback_families().is_empty());
    let style = TextStyle::default();
    // Without the fallback each character is the same "missing" box; with
    // it, two different characters look different.
    let boxes = Fonts::shipped().render("护", 384, style);
    let boxes2 = Fonts::shipped().render("照", 384, style);
    assert_eq!(boxes, boxes2);
    let hu = fonts.render("护", 384, style);
    let zhao = fonts.render("照", 384, style);
    assert_ne!(hu, zhao);
    assert_ne!(hu, boxes);
    assert!(hu.ink() > 50);

    let t = layout::sample("zh", PaperWidth::Mm58, None);
    let bytes = encode_with(&t, &fonts);
    assert_eq!(images_of(&bytes).len(), 5);
    assert!(text_of(&bytes).contains("\nA042\n"));
    parse(&bytes).unwrap();
}

#[test]
fn dash_stays_0x2d_next_to_images() {
    let mut t = layout::sample("el", PaperWidth::Mm80, None);
    t.office = "Office - A".into();
    let bytes = encode(&t);
    assert!(bytes.windows(3).any(|w| w == b" - "));
    let text_lines: Vec<Vec<u8>> = parse(&bytes)
        .unwrap()
        .into_iter()
        .filter_map(|s| match s {
            Segment::Text { bytes, .. } => Some(bytes),
            _ => None,
        })
        .collect();
    assert!(text_lines.contains(&b"Office - A".to_vec()));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the text, a ticket is commands, bytes of its page and
    /// image data: parsing it strictly succeeds, so no UTF-8 (nor any
    /// byte outside the page) reaches the printer, and every image is the
    /// paper's width.
    #[test]
    fn only_commands_page_bytes_and_images(
        office in "\\PC{0,40}",
        service in "\\PC{0,30}",
        message in "\\PC{0,80}",
        page in 0usize..CodePage::ALL.len(),
        wide in any::<bool>(),
    ) {
        let width = if wide { PaperWidth::Mm80 } else { PaperWidth::Mm58 };
        let mut t = layout::sample("en", width, Some(CodePage::ALL[page]));
        t.office = office.clone();
        t.service = service.clone();
        t.message = message.clone();
        let bytes = encode(&t);
        let parsed = parse(&bytes);
        prop_assert!(parsed.is_ok(), "{:?}", parsed.err());
        let drawn = [&office, &service, &message]
            .into_iter()
            .any(|l| !l.trim().is_empty() && !CodePage::ALL[page].covers(l));
        let mut bands = 0;
        for segment in parsed.unwrap() {
            match segment {
                Segment::Band(b) => {
                    prop_assert_eq!(b.width, width.dots());
                    bands += 1;
                }
                Segment::Text { bytes, page: p, times } => {
                    prop_assert_eq!(p, CodePage::ALL[page]);
                    prop_assert!(bytes.len() * usize::from(times) <= width.columns());
                }
                Segment::Qr { .. } => {}
            }
        }
        // A line with a character the page lacks is drawn.
        prop_assert_eq!(bands > 0, drawn);
        // A line the page covers is never drawn.
        for line in [&office, &service, &message] {
            if !line.trim().is_empty() && CodePage::ALL[page].covers(line) {
                let encoded = CodePage::ALL[page].encode(line);
                let first = layout::wrap(&encoded, width.columns()).into_iter().next();
                if let Some(first) = first {
                    prop_assert!(bytes.windows(first.len()).any(|w| w == first.as_slice()));
                }
            }
        }
    }
}

/// What the printer would put on paper, as one image: raster lines as
/// sent, text lines drawn with the shipped font at the printer's scale
/// (the printer's own font looks much the same), the QR code by `qrcode`.
fn preview(bytes: &[u8], width: u32) -> Bitmap {
    let fonts = Fonts::shipped();
    let centred = TextStyle {
        centred: true,
        bold: false,
    };
    let mut rows: Vec<Bitmap> = Vec::new();
    for segment in parse(bytes).unwrap() {
        match segment {
            Segment::Band(b) => rows.push(b),
            Segment::Text { bytes, page, times } => {
                let text = page.decode(&bytes);
                if text.is_empty() {
                    rows.push(Bitmap::blank(width, LINE_HEIGHT as u32));
                    continue;
                }
                let small = fonts.render(&text, width / u32::from(times), centred);
                rows.push(scale(&small, u32::from(times), width));
            }
            Segment::Qr { data, module } => {
                let code =
                    qrcode::QrCode::with_error_correction_level(&data, qrcode::EcLevel::M).unwrap();
                let n = code.width() as u32;
                let m = u32::from(module);
                let colors = code.to_colors();
                let mut b = Bitmap::blank(width, n * m);
                let left = (width - n * m) / 2;
                for (i, c) in colors.iter().enumerate() {
                    if *c == qrcode::Color::Dark {
                        let (qx, qy) = (i as u32 % n, i as u32 / n);
                        for dy in 0..m {
                            for dx in 0..m {
                                b.set(left + qx * m + dx, qy * m + dy);
                            }
                        }
                    }
                }
                rows.push(b);
            }
        }
    }
    let margin = 16;
    let height: u32 = rows.iter().map(|b| b.height).sum::<u32>() + 2 * margin;
    let mut out = Bitmap::blank(width + 2 * margin, height);
    let mut top = margin;
    for b in rows {
        for y in 0..b.height {
            for x in 0..b.width {
                if b.get(x, y) {
                    out.set(margin + x, top + y);
                }
            }
        }
        top += b.height;
    }
    out
}

/// `b` enlarged `times` in both directions (as `GS !` enlarges the
/// printer's font), centred in `width`.
fn scale(b: &Bitmap, times: u32, width: u32) -> Bitmap {
    let mut out = Bitmap::blank(width, b.height * times);
    let left = (width - b.width * times) / 2;
    for y in 0..b.height * times {
        for x in 0..b.width * times {
            if b.get(x / times, y / times) {
                out.set(left + x, y);
            }
        }
    }
    out
}

#[test]
fn arabic_ticket_preview() {
    let t = layout::sample("ar", PaperWidth::Mm80, None);
    let image = preview(&encode(&t), PaperWidth::Mm80.dots());
    assert!(image.ink() > 1000);
    if std::env::var("WAITWELL_UPDATE_DOCS").as_deref() != Ok("1") {
        return;
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/ticket-arabic.png");
    let file = std::fs::File::create(&path).unwrap();
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), image.width, image.height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    let mut writer = encoder.write_header().unwrap();
    // PNG's 1-bit grey is 1 = white: the printer's bits inverted.
    let inverted: Vec<u8> = image.bits.iter().map(|b| !b).collect();
    writer.write_image_data(&inverted).unwrap();
    writer.finish().unwrap();
    eprintln!("wrote {}", path.display());
}
