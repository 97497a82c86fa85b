//! Code pages: the printer's 8-bit character sets, and the encoder that
//! turns text into bytes of one of them.
//!
//! The `escpos` crate is not used for text on purpose: for a character its
//! tables lack it silently sends UTF-8, and several of its tables (PC850,
//! PC858, WPC1250, WPC1257) map ASCII `-` to the soft-hyphen byte. Here each
//! page is a plain table of the upper half (0x80–0xFF, generated from
//! Python's codecs of the same name); ASCII 0x20–0x7E is always itself, and
//! a character a page lacks is transliterated ([`transliterate`]) or, as a
//! last resort, printed as `?`. No byte outside the page ever leaves here,
//! so a printer never receives UTF-8.

use serde::{Deserialize, Serialize};

/// A code page the agent can print in, selected with `ESC t n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodePage {
    /// US English, box drawing; no € and few accents.
    Pc437,
    /// Central European DOS page (Polish, Czech, Hungarian…).
    Pc852,
    /// Western European DOS page with €: German, Danish, French…
    Pc858,
    /// Nordic DOS page (Danish, Norwegian).
    Pc865,
    /// Windows Central European (Polish…); fewer printers have it than PC852.
    Wpc1250,
    /// Windows Western European (Latin-1 plus €).
    Wpc1252,
    /// Cyrillic DOS page (Ukrainian, Russian, Belarusian, Bulgarian).
    Pc866,
    /// Windows Cyrillic; fewer printers have it than PC866.
    Wpc1251,
    /// Turkish DOS page (ğ, ı, İ, ş next to the Western letters).
    Pc857,
}

impl CodePage {
    /// Every supported page.
    pub const ALL: [CodePage; 9] = [
        CodePage::Pc437,
        CodePage::Pc852,
        CodePage::Pc858,
        CodePage::Pc865,
        CodePage::Wpc1250,
        CodePage::Wpc1252,
        CodePage::Pc866,
        CodePage::Wpc1251,
        CodePage::Pc857,
    ];

    /// The `n` of `ESC t n` (Epson numbering, which most ESC/POS printers
    /// follow).
    pub fn escpos_number(self) -> u8 {
        match self {
            CodePage::Pc437 => 0,
            CodePage::Pc865 => 5,
            CodePage::Wpc1252 => 16,
            CodePage::Pc852 => 18,
            CodePage::Pc858 => 19,
            CodePage::Wpc1250 => 45,
            CodePage::Pc866 => 17,
            CodePage::Wpc1251 => 46,
            CodePage::Pc857 => 13,
        }
    }

    /// The page used for a language (BCP 47 tag; only the primary subtag
    /// counts) when the configuration does not name one.
    ///
    /// PC852 rather than WPC1250 for Polish, PC858 for Danish and German and
    /// PC866 for Russian and Bulgarian because cheap printers have the DOS
    /// pages more often. Ukrainian and Belarusian get WPC1251: PC866 lacks
    /// their `і` (and Ukrainian `ґ`), which would print as stand-ins.
    /// Turkish and Azerbaijani get PC857 (ESC/POS printers have it more
    /// often than WPC1254).
    ///
    /// Greek, Arabic, Hebrew and the CJK languages have no page here: their
    /// lines print as raster images (see [`crate::raster`]), and the page
    /// only serves what they mix in (digits, Latin names, `€`), so PC858.
    /// Greek pages exist (PC737, WPC1253) but on few of the printers
    /// offices buy, and an image prints on every one.
    pub fn for_language(language: &str) -> CodePage {
        let primary = language
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "pl" | "cs" | "sk" | "hu" | "sl" | "hr" | "ro" => CodePage::Pc852,
            "en" => CodePage::Pc437,
            "uk" | "be" => CodePage::Wpc1251,
            "ru" | "bg" => CodePage::Pc866,
            "tr" | "az" => CodePage::Pc857,
            "el" | "ar" | "fa" | "ur" | "he" | "yi" | "zh" | "ja" | "ko" => CodePage::Pc858,
            _ => CodePage::Pc858,
        }
    }

    fn table(self) -> &'static [char; 128] {
        match self {
            CodePage::Pc437 => &PC437,
            CodePage::Pc852 => &PC852,
            CodePage::Pc858 => &PC858,
            CodePage::Pc865 => &PC865,
            CodePage::Wpc1250 => &WPC1250,
            CodePage::Wpc1252 => &WPC1252,
            CodePage::Pc866 => &PC866,
            CodePage::Wpc1251 => &WPC1251,
            CodePage::Pc857 => &PC857,
        }
    }

    /// The byte for `c`, if this page has it. ASCII controls have none:
    /// text never carries printer commands.
    pub fn byte(self, c: char) -> Option<u8> {
        if (' '..='~').contains(&c) {
            return Some(c as u8);
        }
        if c == '\0' {
            return None;
        }
        let index = self.table().iter().position(|&t| t == c)?;
        u8::try_from(0x80 + index).ok()
    }

    /// The character a byte stands for (the inverse of [`CodePage::byte`]).
    pub fn decode_byte(self, b: u8) -> Option<char> {
        match b {
            0x20..=0x7E => Some(char::from(b)),
            0x80..=0xFF => Some(self.table()[usize::from(b - 0x80)]).filter(|&c| c != '\0'),
            _ => None,
        }
    }

    /// Encodes text: characters of the page as themselves, others
    /// transliterated, anything left as `?`. Control characters (line
    /// breaks included) become spaces; the layout places line feeds itself.
    pub fn encode(self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len());
        for c in text.chars() {
            if is_invisible(c) {
                continue;
            }
            if c.is_control() || c == '\u{a0}' {
                out.push(b' ');
            } else if let Some(b) = self.byte(c) {
                out.push(b);
            } else if let Some(t) = transliterate(c) {
                out.extend(t.chars().map(|t| self.byte(t).unwrap_or(b'?')));
            } else {
                out.push(b'?');
            }
        }
        out
    }

    /// Decodes bytes of this page back to text (for tests and dry runs);
    /// bytes outside the page become `\u{FFFD}`.
    pub fn decode(self, bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|&b| self.decode_byte(b).unwrap_or('\u{FFFD}'))
            .collect()
    }

    /// Whether [`CodePage::encode`] prints `text` without a single `?`
    /// stand-in: every character is on the page, has a transliteration
    /// that is, or prints as nothing or a space. [`crate::layout`] prints
    /// such a line as text and any other as a raster image.
    pub fn covers(self, text: &str) -> bool {
        text.chars().all(|c| {
            is_invisible(c)
                || c.is_control()
                || c == '\u{a0}'
                || self.byte(c).is_some()
                || transliterate(c).is_some_and(|t| t.chars().all(|t| self.byte(t).is_some()))
        })
    }

    /// How many characters of `text` this page lacks.
    pub fn missing(self, text: &str) -> usize {
        text.chars()
            .filter(|&c| !c.is_control() && self.byte(c).is_none())
            .count()
    }
}

impl std::fmt::Display for CodePage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CodePage::Pc437 => "pc437",
            CodePage::Pc852 => "pc852",
            CodePage::Pc858 => "pc858",
            CodePage::Pc865 => "pc865",
            CodePage::Wpc1250 => "wpc1250",
            CodePage::Wpc1252 => "wpc1252",
            CodePage::Pc866 => "pc866",
            CodePage::Wpc1251 => "wpc1251",
            CodePage::Pc857 => "pc857",
        })
    }
}

/// Characters that print as nothing: soft hyphens, zero-width and
/// bidirectional marks (a page may have a glyph for the soft hyphen, but it
/// must not appear in the middle of a word).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// A stand-in for a character, used only when the chosen page lacks it (so
/// `ø` stays `ø` on PC865 and becomes `oe` on PC437): ASCII, or for the
/// Cyrillic letters PC866 lacks the letter of the same shape. `None` for
/// characters without one; they print as `?`.
pub fn transliterate(c: char) -> Option<&'static str> {
    Some(match c {
        'ą' => "a",
        'Ą' => "A",
        'ć' | 'č' | 'ç' => "c",
        'Ć' | 'Č' | 'Ç' => "C",
        'ę' | 'ě' | 'é' | 'è' | 'ê' | 'ë' => "e",
        'Ę' | 'Ě' | 'É' | 'È' | 'Ê' | 'Ë' => "E",
        'ł' => "l",
        'Ł' => "L",
        'ń' | 'ň' | 'ñ' => "n",
        'Ń' | 'Ň' | 'Ñ' => "N",
        'ó' | 'ò' | 'ô' | 'õ' | 'ő' => "o",
        'Ó' | 'Ò' | 'Ô' | 'Õ' | 'Ő' => "O",
        'ś' | 'š' => "s",
        'Ś' | 'Š' => "S",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        'á' | 'à' | 'â' | 'ã' => "a",
        'Á' | 'À' | 'Â' | 'Ã' => "A",
        'í' | 'ì' | 'î' | 'ï' => "i",
        'Í' | 'Ì' | 'Î' | 'Ï' => "I",
        'ú' | 'ù' | 'û' | 'ů' | 'ű' => "u",
        'Ú' | 'Ù' | 'Û' | 'Ů' | 'Ű' => "U",
        'ý' | 'ÿ' => "y",
        'Ý' | 'Ÿ' => "Y",
        'ř' => "r",
        'Ř' => "R",
        'ď' => "d",
        'Ď' => "D",
        'ť' => "t",
        'Ť' => "T",
        'ä' => "ae",
        'Ä' => "Ae",
        'ö' => "oe",
        'Ö' => "Oe",
        'ü' => "ue",
        'Ü' => "Ue",
        'ß' => "ss",
        'ẞ' => "SS",
        'æ' => "ae",
        'Æ' => "Ae",
        'ø' => "oe",
        'Ø' => "Oe",
        'å' => "aa",
        'Å' => "Aa",
        '€' => "EUR",
        '£' => "GBP",
        '\u{a0}' | '\u{2007}' | '\u{2009}' | '\u{202f}' => " ",
        '‐' | '‑' | '‒' | '–' | '—' | '−' => "-",
        '‘' | '’' | '‚' | '′' => "'",
        '“' | '”' | '„' | '″' | '«' | '»' => "\"",
        '…' => "...",
        // Cyrillic letters PC866 lacks, as the letters that look the same.
        'і' => "i",
        'І' => "I",
        'ґ' => "г",
        'Ґ' => "Г",
        '•' | '·' => "*",
        _ => return None,
    })
}

/// `PC437`: bytes 0x80..=0xFF (generated from Python's `cp437` codec).
const PC437: [char; 128] = [
    '\u{c7}', '\u{fc}', '\u{e9}', '\u{e2}', '\u{e4}', '\u{e0}', '\u{e5}', '\u{e7}', // 0x80
    '\u{ea}', '\u{eb}', '\u{e8}', '\u{ef}', '\u{ee}', '\u{ec}', '\u{c4}', '\u{c5}', // 0x88
    '\u{c9}', '\u{e6}', '\u{c6}', '\u{f4}', '\u{f6}', '\u{f2}', '\u{fb}', '\u{f9}', // 0x90
    '\u{ff}', '\u{d6}', '\u{dc}', '\u{a2}', '\u{a3}', '\u{a5}', '\u{20a7}', '\u{192}', // 0x98
    '\u{e1}', '\u{ed}', '\u{f3}', '\u{fa}', '\u{f1}', '\u{d1}', '\u{aa}', '\u{ba}', // 0xA0
    '\u{bf}', '\u{2310}', '\u{ac}', '\u{bd}', '\u{bc}', '\u{a1}', '\u{ab}', '\u{bb}', // 0xA8
    '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{2561}', '\u{2562}',
    '\u{2556}', // 0xB0
    '\u{2555}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255d}', '\u{255c}', '\u{255b}',
    '\u{2510}', // 0xB8
    '\u{2514}', '\u{2534}', '\u{252c}', '\u{251c}', '\u{2500}', '\u{253c}', '\u{255e}',
    '\u{255f}', // 0xC0
    '\u{255a}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256c}',
    '\u{2567}', // 0xC8
    '\u{2568}', '\u{2564}', '\u{2565}', '\u{2559}', '\u{2558}', '\u{2552}', '\u{2553}',
    '\u{256b}', // 0xD0
    '\u{256a}', '\u{2518}', '\u{250c}', '\u{2588}', '\u{2584}', '\u{258c}', '\u{2590}',
    '\u{2580}', // 0xD8
    '\u{3b1}', '\u{df}', '\u{393}', '\u{3c0}', '\u{3a3}', '\u{3c3}', '\u{b5}',
    '\u{3c4}', // 0xE0
    '\u{3a6}', '\u{398}', '\u{3a9}', '\u{3b4}', '\u{221e}', '\u{3c6}', '\u{3b5}',
    '\u{2229}', // 0xE8
    '\u{2261}', '\u{b1}', '\u{2265}', '\u{2264}', '\u{2320}', '\u{2321}', '\u{f7}',
    '\u{2248}', // 0xF0
    '\u{b0}', '\u{2219}', '\u{b7}', '\u{221a}', '\u{207f}', '\u{b2}', '\u{25a0}',
    '\u{a0}', // 0xF8
];

/// `PC852`: bytes 0x80..=0xFF (generated from Python's `cp852` codec).
const PC852: [char; 128] = [
    '\u{c7}', '\u{fc}', '\u{e9}', '\u{e2}', '\u{e4}', '\u{16f}', '\u{107}', '\u{e7}', // 0x80
    '\u{142}', '\u{eb}', '\u{150}', '\u{151}', '\u{ee}', '\u{179}', '\u{c4}',
    '\u{106}', // 0x88
    '\u{c9}', '\u{139}', '\u{13a}', '\u{f4}', '\u{f6}', '\u{13d}', '\u{13e}',
    '\u{15a}', // 0x90
    '\u{15b}', '\u{d6}', '\u{dc}', '\u{164}', '\u{165}', '\u{141}', '\u{d7}',
    '\u{10d}', // 0x98
    '\u{e1}', '\u{ed}', '\u{f3}', '\u{fa}', '\u{104}', '\u{105}', '\u{17d}',
    '\u{17e}', // 0xA0
    '\u{118}', '\u{119}', '\u{ac}', '\u{17a}', '\u{10c}', '\u{15f}', '\u{ab}',
    '\u{bb}', // 0xA8
    '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{c1}', '\u{c2}',
    '\u{11a}', // 0xB0
    '\u{15e}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255d}', '\u{17b}', '\u{17c}',
    '\u{2510}', // 0xB8
    '\u{2514}', '\u{2534}', '\u{252c}', '\u{251c}', '\u{2500}', '\u{253c}', '\u{102}',
    '\u{103}', // 0xC0
    '\u{255a}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256c}',
    '\u{a4}', // 0xC8
    '\u{111}', '\u{110}', '\u{10e}', '\u{cb}', '\u{10f}', '\u{147}', '\u{cd}',
    '\u{ce}', // 0xD0
    '\u{11b}', '\u{2518}', '\u{250c}', '\u{2588}', '\u{2584}', '\u{162}', '\u{16e}',
    '\u{2580}', // 0xD8
    '\u{d3}', '\u{df}', '\u{d4}', '\u{143}', '\u{144}', '\u{148}', '\u{160}',
    '\u{161}', // 0xE0
    '\u{154}', '\u{da}', '\u{155}', '\u{170}', '\u{fd}', '\u{dd}', '\u{163}',
    '\u{b4}', // 0xE8
    '\u{ad}', '\u{2dd}', '\u{2db}', '\u{2c7}', '\u{2d8}', '\u{a7}', '\u{f7}',
    '\u{b8}', // 0xF0
    '\u{b0}', '\u{a8}', '\u{2d9}', '\u{171}', '\u{158}', '\u{159}', '\u{25a0}',
    '\u{a0}', // 0xF8
];

/// `PC858`: bytes 0x80..=0xFF (generated from Python's `cp858` codec).
const PC858: [char; 128] = [
    '\u{c7}', '\u{fc}', '\u{e9}', '\u{e2}', '\u{e4}', '\u{e0}', '\u{e5}', '\u{e7}', // 0x80
    '\u{ea}', '\u{eb}', '\u{e8}', '\u{ef}', '\u{ee}', '\u{ec}', '\u{c4}', '\u{c5}', // 0x88
    '\u{c9}', '\u{e6}', '\u{c6}', '\u{f4}', '\u{f6}', '\u{f2}', '\u{fb}', '\u{f9}', // 0x90
    '\u{ff}', '\u{d6}', '\u{dc}', '\u{f8}', '\u{a3}', '\u{d8}', '\u{d7}', '\u{192}', // 0x98
    '\u{e1}', '\u{ed}', '\u{f3}', '\u{fa}', '\u{f1}', '\u{d1}', '\u{aa}', '\u{ba}', // 0xA0
    '\u{bf}', '\u{ae}', '\u{ac}', '\u{bd}', '\u{bc}', '\u{a1}', '\u{ab}', '\u{bb}', // 0xA8
    '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{c1}', '\u{c2}',
    '\u{c0}', // 0xB0
    '\u{a9}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255d}', '\u{a2}', '\u{a5}',
    '\u{2510}', // 0xB8
    '\u{2514}', '\u{2534}', '\u{252c}', '\u{251c}', '\u{2500}', '\u{253c}', '\u{e3}',
    '\u{c3}', // 0xC0
    '\u{255a}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256c}',
    '\u{a4}', // 0xC8
    '\u{f0}', '\u{d0}', '\u{ca}', '\u{cb}', '\u{c8}', '\u{20ac}', '\u{cd}', '\u{ce}', // 0xD0
    '\u{cf}', '\u{2518}', '\u{250c}', '\u{2588}', '\u{2584}', '\u{a6}', '\u{cc}',
    '\u{2580}', // 0xD8
    '\u{d3}', '\u{df}', '\u{d4}', '\u{d2}', '\u{f5}', '\u{d5}', '\u{b5}', '\u{fe}', // 0xE0
    '\u{de}', '\u{da}', '\u{db}', '\u{d9}', '\u{fd}', '\u{dd}', '\u{af}', '\u{b4}', // 0xE8
    '\u{ad}', '\u{b1}', '\u{2017}', '\u{be}', '\u{b6}', '\u{a7}', '\u{f7}', '\u{b8}', // 0xF0
    '\u{b0}', '\u{a8}', '\u{b7}', '\u{b9}', '\u{b3}', '\u{b2}', '\u{25a0}', '\u{a0}', // 0xF8
];

/// `PC865`: bytes 0x80..=0xFF (generated from Python's `cp865` codec).
const PC865: [char; 128] = [
    '\u{c7}', '\u{fc}', '\u{e9}', '\u{e2}', '\u{e4}', '\u{e0}', '\u{e5}', '\u{e7}', // 0x80
    '\u{ea}', '\u{eb}', '\u{e8}', '\u{ef}', '\u{ee}', '\u{ec}', '\u{c4}', '\u{c5}', // 0x88
    '\u{c9}', '\u{e6}', '\u{c6}', '\u{f4}', '\u{f6}', '\u{f2}', '\u{fb}', '\u{f9}', // 0x90
    '\u{ff}', '\u{d6}', '\u{dc}', '\u{f8}', '\u{a3}', '\u{d8}', '\u{20a7}', '\u{192}', // 0x98
    '\u{e1}', '\u{ed}', '\u{f3}', '\u{fa}', '\u{f1}', '\u{d1}', '\u{aa}', '\u{ba}', // 0xA0
    '\u{bf}', '\u{2310}', '\u{ac}', '\u{bd}', '\u{bc}', '\u{a1}', '\u{ab}', '\u{a4}', // 0xA8
    '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{2561}', '\u{2562}',
    '\u{2556}', // 0xB0
    '\u{2555}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255d}', '\u{255c}', '\u{255b}',
    '\u{2510}', // 0xB8
    '\u{2514}', '\u{2534}', '\u{252c}', '\u{251c}', '\u{2500}', '\u{253c}', '\u{255e}',
    '\u{255f}', // 0xC0
    '\u{255a}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256c}',
    '\u{2567}', // 0xC8
    '\u{2568}', '\u{2564}', '\u{2565}', '\u{2559}', '\u{2558}', '\u{2552}', '\u{2553}',
    '\u{256b}', // 0xD0
    '\u{256a}', '\u{2518}', '\u{250c}', '\u{2588}', '\u{2584}', '\u{258c}', '\u{2590}',
    '\u{2580}', // 0xD8
    '\u{3b1}', '\u{df}', '\u{393}', '\u{3c0}', '\u{3a3}', '\u{3c3}', '\u{b5}',
    '\u{3c4}', // 0xE0
    '\u{3a6}', '\u{398}', '\u{3a9}', '\u{3b4}', '\u{221e}', '\u{3c6}', '\u{3b5}',
    '\u{2229}', // 0xE8
    '\u{2261}', '\u{b1}', '\u{2265}', '\u{2264}', '\u{2320}', '\u{2321}', '\u{f7}',
    '\u{2248}', // 0xF0
    '\u{b0}', '\u{2219}', '\u{b7}', '\u{221a}', '\u{207f}', '\u{b2}', '\u{25a0}',
    '\u{a0}', // 0xF8
];

/// `WPC1250`: bytes 0x80..=0xFF (generated from Python's `cp1250` codec).
const WPC1250: [char; 128] = [
    '\u{20ac}', '\0', '\u{201a}', '\0', '\u{201e}', '\u{2026}', '\u{2020}',
    '\u{2021}', // 0x80
    '\0', '\u{2030}', '\u{160}', '\u{2039}', '\u{15a}', '\u{164}', '\u{17d}',
    '\u{179}', // 0x88
    '\0', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}',
    '\u{2014}', // 0x90
    '\0', '\u{2122}', '\u{161}', '\u{203a}', '\u{15b}', '\u{165}', '\u{17e}',
    '\u{17a}', // 0x98
    '\u{a0}', '\u{2c7}', '\u{2d8}', '\u{141}', '\u{a4}', '\u{104}', '\u{a6}',
    '\u{a7}', // 0xA0
    '\u{a8}', '\u{a9}', '\u{15e}', '\u{ab}', '\u{ac}', '\u{ad}', '\u{ae}', '\u{17b}', // 0xA8
    '\u{b0}', '\u{b1}', '\u{2db}', '\u{142}', '\u{b4}', '\u{b5}', '\u{b6}', '\u{b7}', // 0xB0
    '\u{b8}', '\u{105}', '\u{15f}', '\u{bb}', '\u{13d}', '\u{2dd}', '\u{13e}',
    '\u{17c}', // 0xB8
    '\u{154}', '\u{c1}', '\u{c2}', '\u{102}', '\u{c4}', '\u{139}', '\u{106}',
    '\u{c7}', // 0xC0
    '\u{10c}', '\u{c9}', '\u{118}', '\u{cb}', '\u{11a}', '\u{cd}', '\u{ce}',
    '\u{10e}', // 0xC8
    '\u{110}', '\u{143}', '\u{147}', '\u{d3}', '\u{d4}', '\u{150}', '\u{d6}',
    '\u{d7}', // 0xD0
    '\u{158}', '\u{16e}', '\u{da}', '\u{170}', '\u{dc}', '\u{dd}', '\u{162}',
    '\u{df}', // 0xD8
    '\u{155}', '\u{e1}', '\u{e2}', '\u{103}', '\u{e4}', '\u{13a}', '\u{107}',
    '\u{e7}', // 0xE0
    '\u{10d}', '\u{e9}', '\u{119}', '\u{eb}', '\u{11b}', '\u{ed}', '\u{ee}',
    '\u{10f}', // 0xE8
    '\u{111}', '\u{144}', '\u{148}', '\u{f3}', '\u{f4}', '\u{151}', '\u{f6}',
    '\u{f7}', // 0xF0
    '\u{159}', '\u{16f}', '\u{fa}', '\u{171}', '\u{fc}', '\u{fd}', '\u{163}',
    '\u{2d9}', // 0xF8
];

/// `WPC1252`: bytes 0x80..=0xFF (generated from Python's `cp1252` codec).
const WPC1252: [char; 128] = [
    '\u{20ac}', '\0', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}',
    '\u{2021}', // 0x80
    '\u{2c6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\0', '\u{17d}', '\0', // 0x88
    '\0', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}',
    '\u{2014}', // 0x90
    '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\0', '\u{17e}',
    '\u{178}', // 0x98
    '\u{a0}', '\u{a1}', '\u{a2}', '\u{a3}', '\u{a4}', '\u{a5}', '\u{a6}', '\u{a7}', // 0xA0
    '\u{a8}', '\u{a9}', '\u{aa}', '\u{ab}', '\u{ac}', '\u{ad}', '\u{ae}', '\u{af}', // 0xA8
    '\u{b0}', '\u{b1}', '\u{b2}', '\u{b3}', '\u{b4}', '\u{b5}', '\u{b6}', '\u{b7}', // 0xB0
    '\u{b8}', '\u{b9}', '\u{ba}', '\u{bb}', '\u{bc}', '\u{bd}', '\u{be}', '\u{bf}', // 0xB8
    '\u{c0}', '\u{c1}', '\u{c2}', '\u{c3}', '\u{c4}', '\u{c5}', '\u{c6}', '\u{c7}', // 0xC0
    '\u{c8}', '\u{c9}', '\u{ca}', '\u{cb}', '\u{cc}', '\u{cd}', '\u{ce}', '\u{cf}', // 0xC8
    '\u{d0}', '\u{d1}', '\u{d2}', '\u{d3}', '\u{d4}', '\u{d5}', '\u{d6}', '\u{d7}', // 0xD0
    '\u{d8}', '\u{d9}', '\u{da}', '\u{db}', '\u{dc}', '\u{dd}', '\u{de}', '\u{df}', // 0xD8
    '\u{e0}', '\u{e1}', '\u{e2}', '\u{e3}', '\u{e4}', '\u{e5}', '\u{e6}', '\u{e7}', // 0xE0
    '\u{e8}', '\u{e9}', '\u{ea}', '\u{eb}', '\u{ec}', '\u{ed}', '\u{ee}', '\u{ef}', // 0xE8
    '\u{f0}', '\u{f1}', '\u{f2}', '\u{f3}', '\u{f4}', '\u{f5}', '\u{f6}', '\u{f7}', // 0xF0
    '\u{f8}', '\u{f9}', '\u{fa}', '\u{fb}', '\u{fc}', '\u{fd}', '\u{fe}', '\u{ff}', // 0xF8
];

/// PC866 (Cyrillic DOS), from Python's `cp866` codec.
const PC866: [char; 128] = [
    '\u{410}', '\u{411}', '\u{412}', '\u{413}', '\u{414}', '\u{415}', '\u{416}',
    '\u{417}', // 0x80
    '\u{418}', '\u{419}', '\u{41a}', '\u{41b}', '\u{41c}', '\u{41d}', '\u{41e}',
    '\u{41f}', // 0x88
    '\u{420}', '\u{421}', '\u{422}', '\u{423}', '\u{424}', '\u{425}', '\u{426}',
    '\u{427}', // 0x90
    '\u{428}', '\u{429}', '\u{42a}', '\u{42b}', '\u{42c}', '\u{42d}', '\u{42e}',
    '\u{42f}', // 0x98
    '\u{430}', '\u{431}', '\u{432}', '\u{433}', '\u{434}', '\u{435}', '\u{436}',
    '\u{437}', // 0xA0
    '\u{438}', '\u{439}', '\u{43a}', '\u{43b}', '\u{43c}', '\u{43d}', '\u{43e}',
    '\u{43f}', // 0xA8
    '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{2561}', '\u{2562}',
    '\u{2556}', // 0xB0
    '\u{2555}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255d}', '\u{255c}', '\u{255b}',
    '\u{2510}', // 0xB8
    '\u{2514}', '\u{2534}', '\u{252c}', '\u{251c}', '\u{2500}', '\u{253c}', '\u{255e}',
    '\u{255f}', // 0xC0
    '\u{255a}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256c}',
    '\u{2567}', // 0xC8
    '\u{2568}', '\u{2564}', '\u{2565}', '\u{2559}', '\u{2558}', '\u{2552}', '\u{2553}',
    '\u{256b}', // 0xD0
    '\u{256a}', '\u{2518}', '\u{250c}', '\u{2588}', '\u{2584}', '\u{258c}', '\u{2590}',
    '\u{2580}', // 0xD8
    '\u{440}', '\u{441}', '\u{442}', '\u{443}', '\u{444}', '\u{445}', '\u{446}',
    '\u{447}', // 0xE0
    '\u{448}', '\u{449}', '\u{44a}', '\u{44b}', '\u{44c}', '\u{44d}', '\u{44e}',
    '\u{44f}', // 0xE8
    '\u{401}', '\u{451}', '\u{404}', '\u{454}', '\u{407}', '\u{457}', '\u{40e}',
    '\u{45e}', // 0xF0
    '\u{b0}', '\u{2219}', '\u{b7}', '\u{221a}', '\u{2116}', '\u{a4}', '\u{25a0}',
    '\u{a0}', // 0xF8
];

/// WPC1251 (Windows Cyrillic), from Python's `cp1251` codec (0x98 is unassigned).
const WPC1251: [char; 128] = [
    '\u{402}', '\u{403}', '\u{201a}', '\u{453}', '\u{201e}', '\u{2026}', '\u{2020}',
    '\u{2021}', // 0x80
    '\u{20ac}', '\u{2030}', '\u{409}', '\u{2039}', '\u{40a}', '\u{40c}', '\u{40b}',
    '\u{40f}', // 0x88
    '\u{452}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}',
    '\u{2014}', // 0x90
    '\0', '\u{2122}', '\u{459}', '\u{203a}', '\u{45a}', '\u{45c}', '\u{45b}',
    '\u{45f}', // 0x98
    '\u{a0}', '\u{40e}', '\u{45e}', '\u{408}', '\u{a4}', '\u{490}', '\u{a6}',
    '\u{a7}', // 0xA0
    '\u{401}', '\u{a9}', '\u{404}', '\u{ab}', '\u{ac}', '\u{ad}', '\u{ae}', '\u{407}', // 0xA8
    '\u{b0}', '\u{b1}', '\u{406}', '\u{456}', '\u{491}', '\u{b5}', '\u{b6}', '\u{b7}', // 0xB0
    '\u{451}', '\u{2116}', '\u{454}', '\u{bb}', '\u{458}', '\u{405}', '\u{455}',
    '\u{457}', // 0xB8
    '\u{410}', '\u{411}', '\u{412}', '\u{413}', '\u{414}', '\u{415}', '\u{416}',
    '\u{417}', // 0xC0
    '\u{418}', '\u{419}', '\u{41a}', '\u{41b}', '\u{41c}', '\u{41d}', '\u{41e}',
    '\u{41f}', // 0xC8
    '\u{420}', '\u{421}', '\u{422}', '\u{423}', '\u{424}', '\u{425}', '\u{426}',
    '\u{427}', // 0xD0
    '\u{428}', '\u{429}', '\u{42a}', '\u{42b}', '\u{42c}', '\u{42d}', '\u{42e}',
    '\u{42f}', // 0xD8
    '\u{430}', '\u{431}', '\u{432}', '\u{433}', '\u{434}', '\u{435}', '\u{436}',
    '\u{437}', // 0xE0
    '\u{438}', '\u{439}', '\u{43a}', '\u{43b}', '\u{43c}', '\u{43d}', '\u{43e}',
    '\u{43f}', // 0xE8
    '\u{440}', '\u{441}', '\u{442}', '\u{443}', '\u{444}', '\u{445}', '\u{446}',
    '\u{447}', // 0xF0
    '\u{448}', '\u{449}', '\u{44a}', '\u{44b}', '\u{44c}', '\u{44d}', '\u{44e}',
    '\u{44f}', // 0xF8
];

/// `PC857`: bytes 0x80..=0xFF (generated from Python's `cp857` codec).
const PC857: [char; 128] = [
    '\u{c7}', '\u{fc}', '\u{e9}', '\u{e2}', '\u{e4}', '\u{e0}', '\u{e5}', '\u{e7}', // 0x80
    '\u{ea}', '\u{eb}', '\u{e8}', '\u{ef}', '\u{ee}', '\u{131}', '\u{c4}', '\u{c5}', // 0x88
    '\u{c9}', '\u{e6}', '\u{c6}', '\u{f4}', '\u{f6}', '\u{f2}', '\u{fb}', '\u{f9}', // 0x90
    '\u{130}', '\u{d6}', '\u{dc}', '\u{f8}', '\u{a3}', '\u{d8}', '\u{15e}', '\u{15f}', // 0x98
    '\u{e1}', '\u{ed}', '\u{f3}', '\u{fa}', '\u{f1}', '\u{d1}', '\u{11e}', '\u{11f}', // 0xA0
    '\u{bf}', '\u{ae}', '\u{ac}', '\u{bd}', '\u{bc}', '\u{a1}', '\u{ab}', '\u{bb}', // 0xA8
    '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{c1}', '\u{c2}',
    '\u{c0}', // 0xB0
    '\u{a9}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255d}', '\u{a2}', '\u{a5}',
    '\u{2510}', // 0xB8
    '\u{2514}', '\u{2534}', '\u{252c}', '\u{251c}', '\u{2500}', '\u{253c}', '\u{e3}',
    '\u{c3}', // 0xC0
    '\u{255a}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256c}',
    '\u{a4}', // 0xC8
    '\u{ba}', '\u{aa}', '\u{ca}', '\u{cb}', '\u{c8}', '\0', '\u{cd}', '\u{ce}', // 0xD0
    '\u{cf}', '\u{2518}', '\u{250c}', '\u{2588}', '\u{2584}', '\u{a6}', '\u{cc}',
    '\u{2580}', // 0xD8
    '\u{d3}', '\u{df}', '\u{d4}', '\u{d2}', '\u{f5}', '\u{d5}', '\u{b5}', '\0', // 0xE0
    '\u{d7}', '\u{da}', '\u{db}', '\u{d9}', '\u{ec}', '\u{ff}', '\u{af}', '\u{b4}', // 0xE8
    '\u{ad}', '\u{b1}', '\0', '\u{be}', '\u{b6}', '\u{a7}', '\u{f7}', '\u{b8}', // 0xF0
    '\u{b0}', '\u{a8}', '\u{b7}', '\u{b9}', '\u{b3}', '\u{b2}', '\u{25a0}', '\u{a0}', // 0xF8
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_itself_in_every_page() {
        for page in CodePage::ALL {
            for b in 0x20u8..=0x7E {
                assert_eq!(page.byte(char::from(b)), Some(b), "{page}");
                assert_eq!(page.decode_byte(b), Some(char::from(b)));
            }
            // Hyphen-minus is never the soft hyphen.
            assert_eq!(page.encode("a-b"), b"a-b");
            assert_eq!(page.encode("a\u{ad}b"), b"ab");
        }
    }

    #[test]
    fn tables_round_trip() {
        for page in CodePage::ALL {
            for b in 0x80u8..=0xFF {
                if let Some(c) = page.decode_byte(b) {
                    assert_eq!(page.byte(c), Some(b), "{page} {b:#x} {c:?}");
                }
            }
        }
        assert_eq!(CodePage::Pc852.byte('ł'), Some(0x88));
        assert_eq!(CodePage::Wpc1250.byte('ł'), Some(0xB3));
        assert_eq!(CodePage::Pc858.byte('ø'), Some(0x9B));
        assert_eq!(CodePage::Pc865.byte('ø'), Some(0x9B));
        assert_eq!(CodePage::Wpc1252.byte('ø'), Some(0xF8));
        assert_eq!(CodePage::Pc858.byte('ü'), Some(0x81));
        assert_eq!(CodePage::Pc437.byte('ł'), None);
    }

    #[test]
    fn pages_for_languages() {
        assert_eq!(CodePage::for_language("pl"), CodePage::Pc852);
        assert_eq!(CodePage::for_language("da-DK"), CodePage::Pc858);
        assert_eq!(CodePage::for_language("de"), CodePage::Pc858);
        assert_eq!(CodePage::for_language("en"), CodePage::Pc437);
        assert_eq!(CodePage::Pc852.missing("Zażółć gęślą jaźń"), 0);
        assert_eq!(CodePage::Pc858.missing("Blåbærgrød Straße"), 0);
        assert_eq!(CodePage::for_language("uk-UA"), CodePage::Wpc1251);
        assert_eq!(CodePage::for_language("ru"), CodePage::Pc866);
        let ukrainian = "Ґанок, їжак, єнот і Україна";
        assert_eq!(CodePage::Wpc1251.missing(ukrainian), 0);
    }

    #[test]
    fn cyrillic_exact_bytes_and_back() {
        // "Ваш номер" in WPC1251 (ESC t 46) and PC866 (ESC t 17).
        let text = "Ваш номер - Її";
        let w = CodePage::Wpc1251.encode(text);
        assert_eq!(
            w,
            [
                0xC2, 0xE0, 0xF8, 0x20, 0xED, 0xEE, 0xEC, 0xE5, 0xF0, 0x20, 0x2D, 0x20, 0xAF, 0xBF
            ]
        );
        assert_eq!(CodePage::Wpc1251.decode(&w), text);
        let d = CodePage::Pc866.encode(text);
        assert_eq!(
            d,
            [
                0x82, 0xA0, 0xE8, 0x20, 0xAD, 0xAE, 0xAC, 0xA5, 0xE0, 0x20, 0x2D, 0x20, 0xF4, 0xF5
            ]
        );
        assert_eq!(CodePage::Pc866.decode(&d), text);
        // PC866 lacks і and ґ: the letters of the same shape stand in.
        assert_eq!(
            CodePage::Pc866.decode(&CodePage::Pc866.encode("Київ і ґанок")),
            "Київ i ганок"
        );
        assert_eq!(CodePage::Pc866.escpos_number(), 17);
        assert_eq!(CodePage::Wpc1251.escpos_number(), 46);
    }

    #[test]
    fn turkish_in_pc857() {
        // Bytes from Python: "Kadıköy İş ğ Ş".encode("cp857").
        let text = "Kadıköy İş ğ Ş - Ğ";
        let bytes = CodePage::Pc857.encode(text);
        assert_eq!(
            bytes,
            [
                b'K', b'a', b'd', 0x8D, b'k', 0x94, b'y', b' ', 0x98, 0x9F, b' ', 0xA7, b' ', 0x9E,
                b' ', b'-', b' ', 0xA6
            ]
        );
        assert_eq!(CodePage::Pc857.decode(&bytes), text);
        assert_eq!(CodePage::Pc857.escpos_number(), 13);
        assert_eq!(CodePage::for_language("tr-TR"), CodePage::Pc857);
        assert!(CodePage::Pc857.covers("Lütfen ekranı izleyin - numaranız çağrılacak."));
        // PC858 lacks ğ, ı and ş: a Turkish line there would need an image.
        assert!(!CodePage::Pc858.covers("Kadıköy"));
    }

    #[test]
    fn covers_means_no_question_marks() {
        // Transliterated letters count as covered (ł prints as l on PC437).
        assert!(CodePage::Pc437.covers("Łódź - Køge €5\u{ad}"));
        assert!(CodePage::Pc852.covers("Zażółć gęślą jaźń"));
        assert!(!CodePage::Pc852.covers("Δημαρχείο"));
        assert!(!CodePage::Wpc1251.covers("مرحبا"));
        assert!(!CodePage::Pc858.covers("日本"));
        assert!(CodePage::Pc858.covers(""));
        for page in CodePage::ALL {
            for c in ['a', 'ł', 'Ω', 'ب', '中', '€', '\u{1F600}'] {
                let s = c.to_string();
                assert_eq!(
                    page.covers(&s),
                    !page.encode(&s).contains(&b'?'),
                    "{page} {c}"
                );
            }
        }
    }

    #[test]
    fn controls_become_spaces() {
        assert_eq!(CodePage::Pc437.encode("a\nb\tc\u{1b}d"), b"a b c d");
        assert_eq!(CodePage::Pc437.encode("a\u{a0}b"), b"a b");
    }
}
