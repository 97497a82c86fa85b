//! The words printed on a ticket, in the ticket's language.
//!
//! Each language is one Fluent file `i18n/<lang>/print.ftl` of the
//! repository's one translation tree (the pages' bundles sit beside it, and
//! the server serves this one too), embedded in the binary; adding a
//! language is adding a file and one line to [`LANGUAGES`]. Fluent's
//! plural rules pick "1 osoba / 2 osoby / 5 osób". Unknown languages fall
//! back to English.

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// Languages with a translation file: (tag, file contents).
pub const LANGUAGES: &[(&str, &str)] = &[
    ("en", include_str!("../../i18n/en/print.ftl")),
    ("pl", include_str!("../../i18n/pl/print.ftl")),
    ("da", include_str!("../../i18n/da/print.ftl")),
    ("de", include_str!("../../i18n/de/print.ftl")),
    ("uk", include_str!("../../i18n/uk/print.ftl")),
    ("tr", include_str!("../../i18n/tr/print.ftl")),
    ("el", include_str!("../../i18n/el/print.ftl")),
    ("ar", include_str!("../../i18n/ar/print.ftl")),
    ("zh", include_str!("../../i18n/zh/print.ftl")),
];

/// The printed labels of one ticket, already filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    /// Heading above the number ("Your ticket").
    pub ticket: String,
    /// "3 people ahead of you".
    pub people_ahead: Option<String>,
    /// "Estimated wait: 12 min".
    pub estimated_wait: Option<String>,
    /// Label of the issue time ("Issued").
    pub issued: String,
}

/// The translation file for a language tag (`pl`, `pl-PL`, `da_DK`…), or
/// English.
fn source(language: &str) -> (&'static str, &'static str) {
    let primary = language
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    LANGUAGES
        .iter()
        .find(|(tag, _)| *tag == primary)
        .copied()
        .unwrap_or(LANGUAGES[0])
}

/// The labels for a ticket with `people_ahead` and `wait_minutes`.
pub fn labels(language: &str, people_ahead: Option<i64>, wait_minutes: Option<i64>) -> Labels {
    let (tag, ftl) = source(language);
    let langid: LanguageIdentifier = tag.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new(vec![langid]);
    // Unicode isolation marks around placeables would reach the printer.
    bundle.set_use_isolating(false);
    // The embedded files are tested below; a broken one yields message ids.
    if let Ok(resource) = FluentResource::try_new(ftl.to_owned()) {
        let _ = bundle.add_resource(resource);
    }
    let format = |id: &str, args: Option<&FluentArgs<'_>>| -> String {
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned()
    };
    let with = |name: &'static str, n: i64| {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(n));
        args
    };
    Labels {
        ticket: format("ticket", None),
        people_ahead: people_ahead.map(|n| format("people-ahead", Some(&with("count", n)))),
        estimated_wait: wait_minutes.map(|n| format("estimated-wait", Some(&with("minutes", n)))),
        issued: format("issued", None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_has_every_message() {
        for (tag, ftl) in LANGUAGES {
            let resource = FluentResource::try_new((*ftl).to_owned()).expect(tag);
            let mut bundle = FluentBundle::new(vec![tag.parse::<LanguageIdentifier>().unwrap()]);
            bundle.add_resource(resource).expect(tag);
            for id in ["ticket", "people-ahead", "estimated-wait", "issued"] {
                assert!(bundle.has_message(id), "{tag} lacks {id}");
            }
        }
    }

    #[test]
    fn plural_rules() {
        let people = |lang: &str, n| labels(lang, Some(n), None).people_ahead.unwrap();
        assert_eq!(people("en", 0), "No one ahead of you");
        assert_eq!(people("en", 1), "1 person ahead of you");
        assert_eq!(people("en", 7), "7 people ahead of you");
        assert_eq!(people("pl", 1), "Przed Tobą czeka 1 osoba");
        assert_eq!(people("pl", 3), "Przed Tobą czekają 3 osoby");
        assert_eq!(people("pl", 5), "Przed Tobą czeka 5 osób");
        assert_eq!(people("pl", 22), "Przed Tobą czekają 22 osoby");
        assert_eq!(people("da-DK", 2), "2 personer foran dig");
        assert_eq!(people("de", 1), "1 Person vor Ihnen");
        assert_eq!(people("uk", 1), "Перед вами 1 особа");
        assert_eq!(people("uk", 3), "Перед вами 3 особи");
        assert_eq!(people("uk", 5), "Перед вами 5 осіб");
        assert_eq!(people("uk", 21), "Перед вами 21 особа");
        assert_eq!(people("el", 1), "1 άτομο πριν από εσάς");
        assert_eq!(people("el", 4), "4 άτομα πριν από εσάς");
        assert_eq!(people("ar", 0), "لا أحد قبلك في الدور");
        assert_eq!(people("ar", 2), "شخصان قبلك في الدور");
        assert_eq!(people("ar", 5), "5 أشخاص قبلك في الدور");
        assert_eq!(people("ar", 11), "11 شخصًا قبلك في الدور");
        assert_eq!(people("ar", 100), "100 شخص قبلك في الدور");
        assert_eq!(people("zh-CN", 3), "您前面还有 3 人");
        assert_eq!(people("tr", 3), "Önünüzde 3 kişi var");
        assert_eq!(
            labels("pl", None, Some(12)).estimated_wait.unwrap(),
            "Przewidywany czas oczekiwania: 12 min"
        );
        assert_eq!(
            labels("en", None, Some(0)).estimated_wait.unwrap(),
            "Estimated wait: under 1 min"
        );
    }

    #[test]
    fn unknown_language_is_english() {
        assert_eq!(labels("xx", None, None).ticket, "Your ticket");
    }
}
