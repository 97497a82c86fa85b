//! The ticket encoder: exact bytes for small tickets on both paper widths,
//! national characters in several languages decoded back, and a property
//! test that no UTF-8 ever reaches the printer.

use proptest::prelude::*;
use waitwell_kiosk::codepage::CodePage;
use waitwell_kiosk::layout::{self, PaperWidth, PrintTicket, encode, text_of};

fn small(width: PaperWidth) -> PrintTicket {
    PrintTicket {
        office: "Office".into(),
        number: "A1".into(),
        service: "Info".into(),
        issued: "2026-01-01 10:00".into(),
        people_ahead: Some(2),
        wait_minutes: Some(5),
        qr: Some("http://x/ticket/?t=ab".into()),
        message: "Please watch the screen for your number".into(),
        language: "en".into(),
        code_page: CodePage::Pc437,
        width,
        logo: None,
    }
}

/// The bytes both widths share up to the number's size command.
fn head() -> Vec<u8> {
    let mut b = vec![0x1B, 0x40, 0x1B, 0x74, 0x00, 0x1B, 0x61, 0x01];
    b.extend([0x1B, 0x45, 0x01]);
    b.extend(b"Office\n");
    b.extend([0x1B, 0x45, 0x00]);
    b.extend(b"\nYour ticket\n");
    b
}

fn middle() -> Vec<u8> {
    let mut b = vec![0x1B, 0x45, 0x01];
    b.extend(b"A1\n");
    b.extend([0x1B, 0x45, 0x00, 0x1D, 0x21, 0x00]);
    b.extend(b"\n");
    b.extend([0x1B, 0x45, 0x01]);
    b.extend(b"Info\n");
    b.extend([0x1B, 0x45, 0x00]);
    b.extend(b"Issued: 2026-01-01 10:00\n2 people ahead of you\nEstimated wait: 5 min\n\n");
    b
}

fn qr(module: u8) -> Vec<u8> {
    let mut b = vec![0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00];
    b.extend([0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, module]);
    b.extend([0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]);
    // 21 bytes of data + 3.
    b.extend([0x1D, 0x28, 0x6B, 0x18, 0x00, 0x31, 0x50, 0x30]);
    b.extend(b"http://x/ticket/?t=ab");
    b.extend([0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]);
    b.extend(b"\n");
    b
}

fn tail() -> Vec<u8> {
    vec![0x1B, 0x61, 0x00, 0x1B, 0x64, 0x04, 0x1D, 0x56, 0x01]
}

#[test]
fn exact_bytes_80mm() {
    let mut expected = head();
    expected.extend([0x1D, 0x21, 0x33]); // 4x: "A1" is 8 of 48 columns.
    expected.extend(middle());
    expected.extend(qr(6));
    expected.extend(b"\nPlease watch the screen for your number\n");
    expected.extend(tail());
    assert_eq!(encode(&small(PaperWidth::Mm80)), expected);
}

#[test]
fn exact_bytes_58mm() {
    let mut expected = head();
    expected.extend([0x1D, 0x21, 0x22]); // 3x on 58 mm.
    expected.extend(middle());
    expected.extend(qr(4));
    // 39 characters wrap at 32 columns.
    expected.extend(b"\nPlease watch the screen for your\nnumber\n");
    expected.extend(tail());
    assert_eq!(encode(&small(PaperWidth::Mm58)), expected);
}

#[test]
fn long_numbers_shrink_and_text_decodes() {
    let mut t = small(PaperWidth::Mm58);
    t.number = "PRIO-12345".into(); // 10 chars: 3x would need 30 of 32, fits.
    let bytes = encode(&t);
    assert!(bytes.windows(3).any(|w| w == [0x1D, 0x21, 0x22]));
    t.number = "APPOINTMENT-1234".into(); // 16 chars: 2x.
    let bytes = encode(&t);
    assert!(bytes.windows(3).any(|w| w == [0x1D, 0x21, 0x11]));
    let text = text_of(&bytes);
    assert!(text.contains("\nAPPOINTMENT-1234\n"), "{text}");
    assert!(text.contains("[QR http://x/ticket/?t=ab]"), "{text}");
}

/// The encoded form of `s` in `page` occurs in `bytes`.
fn contains(bytes: &[u8], page: CodePage, s: &str) -> bool {
    let needle = page.encode(s);
    bytes.windows(needle.len()).any(|w| w == needle)
}

fn no_utf8_of(bytes: &[u8], chars: &str) {
    for c in chars.chars() {
        let mut buf = [0u8; 4];
        let utf8 = c.encode_utf8(&mut buf).as_bytes();
        assert!(
            !bytes.windows(utf8.len()).any(|w| w == utf8),
            "UTF-8 of {c:?} sent"
        );
    }
}

#[test]
fn polish_in_pc852() {
    for width in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let t = layout::sample("pl", width, None);
        assert_eq!(t.code_page, CodePage::Pc852);
        let bytes = encode(&t);
        assert!(bytes.windows(3).any(|w| w == [0x1B, 0x74, 18]));
        // ł is 0x88, Ł 0x9D, ó 0xA2, ź 0xAB in PC852.
        assert!(contains(&bytes, CodePage::Pc852, "Urząd Miasta Łódź"));
        assert!(bytes.windows(2).any(|w| w == [0x9D, 0xA2]), "Łó");
        let text = text_of(&bytes);
        assert!(text.contains("Urząd Miasta Łódź"), "{text}");
        assert!(text.contains("Dowody osobiste"), "{text}");
        assert!(text.contains("Przed Tobą czekają 3 osoby"), "{text}");
        assert!(text.contains("12 min"), "{text}");
        // '-' stays 0x2D (escpos maps it to a soft hyphen in some pages).
        assert!(bytes.windows(2).any(|w| w == b" -"));
        assert!(text.contains("cierpliwość -"), "{text}");
        assert!(!text.contains('\u{FFFD}'), "{text}");
        no_utf8_of(&bytes, "ąęłńóśźżŁ");
    }
    // The same ticket on WPC1250 (ł = 0xB3) decodes the same.
    let t = layout::sample("pl", PaperWidth::Mm80, Some(CodePage::Wpc1250));
    let bytes = encode(&t);
    assert!(bytes.windows(3).any(|w| w == [0x1B, 0x74, 45]));
    assert!(text_of(&bytes).contains("Urząd Miasta Łódź"));
    assert!(bytes.windows(3).any(|w| w == b" - "));
}

#[test]
fn ukrainian_in_wpc1251_and_pc866() {
    for width in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let t = layout::sample("uk", width, None);
        assert_eq!(t.code_page, CodePage::Wpc1251);
        let bytes = encode(&t);
        assert!(bytes.windows(3).any(|w| w == [0x1B, 0x74, 46]));
        // "Ваш" is C2 E0 F8 in WPC1251.
        assert!(bytes.windows(3).any(|w| w == [0xC2, 0xE0, 0xF8]), "Ваш");
        let text = text_of(&bytes);
        assert!(text.contains("Міська рада Львова"), "{text}");
        assert!(text.contains("Ваш номер"), "{text}");
        assert!(text.contains("Перед вами 3 особи"), "{text}");
        assert!(text.contains("Стежте за екраном - ми"), "{text}");
        assert!(!text.contains('\u{FFFD}'), "{text}");
        assert!(
            text.lines()
                .all(|l| l.starts_with("[QR") || !l.contains('?')),
            "{text}"
        );
        assert!(bytes.windows(3).any(|w| w == b" - "));
        no_utf8_of(&bytes, "ВашномерїєіґМЛ");
    }
    // A printer with PC866 only: і prints as the Latin i of the same shape.
    let bytes = encode(&layout::sample(
        "uk",
        PaperWidth::Mm80,
        Some(CodePage::Pc866),
    ));
    assert!(bytes.windows(3).any(|w| w == [0x1B, 0x74, 17]));
    let text = text_of(&bytes);
    assert!(text.contains("Мiська рада Львова"), "{text}");
    assert!(text.contains("Перед вами 3 особи"), "{text}");
    assert!(
        text.lines()
            .all(|l| l.starts_with("[QR") || !l.contains('?')),
        "{text}"
    );
}

#[test]
fn danish_and_german_in_pc858() {
    let da = encode(&layout::sample("da", PaperWidth::Mm80, None));
    let text = text_of(&da);
    assert!(text.contains("Borgerservice Køge"), "{text}");
    assert!(text.contains("3 personer foran dig"), "{text}");
    assert!(
        text.contains("Følg skærmen - vi kalder dit nummer."),
        "{text}"
    );
    // ø is 0x9B in PC858; '-' stays 0x2D (not PC858's soft hyphen 0xF0).
    assert!(da.windows(3).any(|w| w == [b'K', 0x9B, b'g']));
    assert!(da.windows(3).any(|w| w == b" - "));
    assert!(!da.contains(&0xF0));
    no_utf8_of(&da, "øæå");

    let de = encode(&layout::sample("de", PaperWidth::Mm58, None));
    let text = text_of(&de);
    assert!(text.contains("Bürgeramt Müllheim"), "{text}");
    assert!(text.contains("Führerscheinstelle"), "{text}");
    assert!(text.contains("3 Personen vor Ihnen"), "{text}");
    // ü is 0x81.
    assert!(de.windows(3).any(|w| w == [b'F', 0x81, b'h']));
    assert!(!de.contains(&0xF0));
    no_utf8_of(&de, "üäöß");
}

#[test]
fn transliterates_only_what_the_page_lacks() {
    // PC437 has ó and ü but no ą, ł, ź or ø.
    let t = layout::sample("pl", PaperWidth::Mm80, Some(CodePage::Pc437));
    let text = text_of(&encode(&t));
    assert!(text.contains("Urzad Miasta Lódz"), "{text}");
    assert_eq!(CodePage::Pc437.encode("Køge"), b"Koege");
    assert_eq!(
        CodePage::Pc437.encode("Müller"),
        [b'M', 0x81, b'l', b'l', b'e', b'r']
    );
    assert_eq!(CodePage::Pc865.encode("Køge"), [b'K', 0x9B, b'g', b'e']);
    assert_eq!(CodePage::Pc858.encode("łódź"), [b'l', 0xA2, b'd', b'z']);
    assert_eq!(CodePage::Pc852.encode("łódź"), [0x88, 0xA2, b'd', 0xAB]);
    assert_eq!(CodePage::Pc437.encode("€5 – ok…"), b"EUR5 - ok...");
    assert_eq!(CodePage::Pc858.encode("€"), [0xD5]);
    assert_eq!(CodePage::Pc437.encode("日本"), b"??");
}

proptest! {
    /// Whatever the text, every character becomes either one byte of the
    /// page or ASCII: never a UTF-8 sequence, never a control byte.
    #[test]
    fn never_utf8(s in any::<String>(), page in 0usize..6) {
        let page = CodePage::ALL[page];
        let bytes = page.encode(&s);
        prop_assert!(bytes.iter().all(|&b| b >= 0x20 && b != 0x7F));
        let mut joined = Vec::new();
        for c in s.chars() {
            let one = page.encode(&c.to_string());
            if !c.is_ascii() {
                let mut buf = [0u8; 4];
                let utf8 = c.encode_utf8(&mut buf).as_bytes();
                prop_assert!(one != utf8, "{:?} sent as UTF-8", c);
                prop_assert!(one.len() <= 1 || one.iter().all(u8::is_ascii), "{:?} -> {:?}", c, one);
                if one.len() == 1 && one[0] >= 0x80 {
                    prop_assert_eq!(page.decode_byte(one[0]), Some(c));
                }
            } else if (' '..='~').contains(&c) {
                prop_assert_eq!(&one, &vec![c as u8]);
            }
            joined.extend(one);
        }
        prop_assert_eq!(bytes, joined);
    }

    /// Whole tickets of arbitrary text contain only commands and page
    /// bytes: decoding them back yields no unknown byte.
    #[test]
    fn tickets_decode(office in "\\PC{0,60}", service in "\\PC{0,40}", message in "\\PC{0,120}", page in 0usize..6, wide in any::<bool>()) {
        let mut t = layout::sample("en", if wide { PaperWidth::Mm80 } else { PaperWidth::Mm58 }, Some(CodePage::ALL[page]));
        t.office = office;
        t.service = service;
        t.message = message;
        let text = text_of(&encode(&t));
        prop_assert!(!text.contains('\u{FFFD}'), "{}", text);
        let columns = t.width.columns();
        for line in text.lines().filter(|l| !l.starts_with("[QR")) {
            prop_assert!(line.chars().count() <= columns, "{:?}", line);
        }
    }
}

#[test]
fn logo_from_pbm() {
    // 10 x 2 dots: rows of two bytes.
    let pbm = b"P4\n# a comment\n10 2\n\xFF\xC0\x80\x40";
    let logo = layout::Logo::from_pbm(pbm).unwrap();
    assert_eq!((logo.width, logo.height), (10, 2));
    let mut t = small(PaperWidth::Mm58);
    t.logo = Some(logo.clone());
    let bytes = encode(&t);
    let raster = [
        0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x02, 0x00, 0xFF, 0xC0, 0x80, 0x40, 0x0A,
    ];
    assert_eq!(&bytes[8..8 + raster.len()], raster);
    // 10 dots wide: two bytes a row, 16 dots as the printer counts them.
    assert!(text_of(&bytes).starts_with("[IMAGE 16x2]\nOffice\n"));

    // Wider than 58 mm paper (384 dots): left out rather than garbled.
    let wide = layout::Logo {
        width: 400,
        height: 1,
        bits: vec![0; 50],
    };
    t.logo = Some(wide);
    assert_eq!(encode(&t), encode(&small(PaperWidth::Mm58)));

    assert!(layout::Logo::from_pbm(b"P1\n1 1\n1").is_err());
    assert!(layout::Logo::from_pbm(b"P4\n16 4\n\x00").is_err());
}
