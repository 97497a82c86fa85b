//! Office texts with a value per language: a service's name and kiosk
//! category, a desk's visitor-facing name, the branch's kiosk message.
//! Each has a default text and a map from language tag to text; a reader
//! in language L gets [`localized`]: L's value, else the value of L's
//! primary subtag (`pt` for `pt-BR`), else the default text.
//!
//! The server and the kiosk agent (when it prints) call [`localized`]; the
//! pages do the same in `web/common/i18n.js` (`localized`): keep the two in
//! step.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserializer;
use serde::de::{MapAccess, Visitor};

/// Texts by language tag (`{"pl": "Stanowisko 3"}`).
pub type Texts = BTreeMap<String, String>;

/// The text for a reader of `language`: its own value, else its primary
/// subtag's, else `default`. No language (or an empty one) reads the
/// default.
pub fn localized<'a>(default: &'a str, texts: &'a Texts, language: Option<&str>) -> &'a str {
    let Some(language) = language.filter(|l| !l.is_empty()) else {
        return default;
    };
    if let Some(text) = texts.get(language) {
        return text;
    }
    let primary = language.split(['-', '_']).next().unwrap_or_default();
    texts.get(primary).map_or(default, String::as_str)
}

/// Reads [`Texts`] from either a JSON object (the API, the live stream) or
/// a string holding one (a database row read by name, where the column is
/// JSON text). A string that is not a JSON object reads as no texts rather
/// than failing the row: values were checked when stored.
///
/// # Errors
/// A value that is neither an object nor a string.
pub fn object_or_json_text<'de, D: Deserializer<'de>>(d: D) -> Result<Texts, D::Error> {
    struct TextsVisitor;

    impl<'de> Visitor<'de> for TextsVisitor {
        type Value = Texts;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of texts by language tag, or JSON text of one")
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Texts, E> {
            Ok(serde_json::from_str(v).unwrap_or_default())
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Texts, E> {
            Ok(Texts::new())
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Texts, E> {
            Ok(Texts::new())
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Texts, A::Error> {
            let mut out = Texts::new();
            while let Some((k, v)) = map.next_entry::<String, String>()? {
                out.insert(k, v);
            }
            Ok(out)
        }
    }

    d.deserialize_any(TextsVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(pairs: &[(&str, &str)]) -> Texts {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn exact_then_primary_then_default() {
        let t = texts(&[
            ("pl", "Stanowisko 3"),
            ("pt-BR", "Guichê 3"),
            ("pt", "Balcão 3"),
        ]);
        assert_eq!(localized("Desk 3", &t, Some("pl")), "Stanowisko 3");
        assert_eq!(localized("Desk 3", &t, Some("pl-PL")), "Stanowisko 3");
        assert_eq!(localized("Desk 3", &t, Some("pt-BR")), "Guichê 3");
        assert_eq!(localized("Desk 3", &t, Some("pt-PT")), "Balcão 3");
        assert_eq!(localized("Desk 3", &t, Some("de")), "Desk 3");
        assert_eq!(localized("Desk 3", &t, Some("")), "Desk 3");
        assert_eq!(localized("Desk 3", &t, None), "Desk 3");
    }

    #[derive(serde::Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "object_or_json_text")]
        names: Texts,
    }

    #[test]
    fn reads_objects_and_json_text() {
        let from_object: Holder = serde_json::from_str(r#"{"names": {"pl": "A"}}"#).unwrap();
        let from_text: Holder = serde_json::from_str(r#"{"names": "{\"pl\": \"A\"}"}"#).unwrap();
        let absent: Holder = serde_json::from_str("{}").unwrap();
        assert_eq!(from_object.names, texts(&[("pl", "A")]));
        assert_eq!(from_text.names, texts(&[("pl", "A")]));
        assert!(absent.names.is_empty());
        assert!(serde_json::from_str::<Holder>(r#"{"names": 3}"#).is_err());
    }
}
