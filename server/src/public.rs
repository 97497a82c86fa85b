//! What visitors see without signing in: their ticket (by its unguessable
//! `public_token`), the ticket's QR code, and the translations of the kiosk
//! and ticket pages.
//!
//! The public token is the only credential here: 32 random bytes as 64 hex
//! characters, printed on the ticket as a QR code. Anything that is not
//! such a string is answered with the same 404 as an unknown token, before
//! the database is asked. The view carries only what a visitor needs (no
//! staff, no other tickets, no internal ids but the branch's).
//!
//! The ticket page polls [`get_public_ticket`] every 3 s instead of opening
//! the branch's websocket: the live stream carries every ticket and desk of
//! the branch, which a visitor's phone must not receive, and a filtered
//! per-ticket stream would cost a server task per waiting visitor for a
//! page that only needs a coarse update.
//!
//! Translations are Fluent files embedded from `kiosk/web/i18n/` and
//! `web/ticket/i18n/` (adding a language is adding a file). [`get_i18n`]
//! formats every message of one file with the numbers the page has (people
//! ahead, minutes of wait), so the pages get correct plurals (Polish has
//! four forms) without a Fluent parser in JavaScript.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use rust_embed::RustEmbed;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use waitwell_queue::TicketStatus;

use crate::app::AppState;
use crate::db::{Exec, q, read};
use crate::error::{AppError, AppJson, AppPath, AppQuery, Result};
use crate::tickets::{self, Ticket};
use crate::{branches, desks, services};

/// Translations of the kiosk's touch page.
#[derive(RustEmbed)]
#[folder = "../kiosk/web/i18n/"]
struct KioskI18n;

/// Translations of the visitor's ticket page.
#[derive(RustEmbed)]
#[folder = "../web/ticket/i18n/"]
struct TicketI18n;

/// Length of a public token: 32 random bytes in lowercase hex
/// ([`crate::auth::new_token`]).
pub const PUBLIC_TOKEN_LEN: usize = 64;

/// Whether `token` has the shape of a public token.
pub fn is_public_token(token: &str) -> bool {
    token.len() == PUBLIC_TOKEN_LEN
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A ticket as its visitor sees it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PublicTicket {
    /// Number, e.g. `A042`.
    pub number: String,
    /// waiting, called, serving, done, no_show, cancelled, parked, expired
    /// (a transferred ticket is followed to its new queue).
    pub status: String,
    /// The visitor's language, as chosen at the kiosk.
    pub language: Option<String>,
    /// The branch's languages, for the page's language switcher.
    pub languages: Vec<String>,
    /// Service name in the ticket's language.
    pub service_name: String,
    /// People ahead, while waiting.
    pub position: Option<i64>,
    /// Estimated seconds until called, while waiting.
    pub estimated_wait_s: Option<i64>,
    /// Desk to go to, while called or being served.
    pub desk_name: Option<String>,
    /// Last call, ms since the epoch.
    pub called_at: Option<i64>,
    /// Office name.
    pub branch_name: String,
    /// Office id.
    pub branch_id: i64,
}

/// How many transfers a view follows; a ticket is transferred a handful of
/// times at most, the bound only guards against a cycle in corrupted data.
const MAX_TRANSFERS: usize = 32;

/// The ticket a public token names, followed through transfers (a
/// transfer issues a new row with a new token; the visitor keeps the
/// first one).
async fn by_token<C: Exec>(c: &mut C, token: &str) -> Result<Ticket> {
    if !is_public_token(token) {
        return Err(AppError::NotFound("ticket"));
    }
    let (id,): (i64,) = c
        .opt(q("select id from tickets where public_token = $1").bind(token))
        .await?
        .ok_or(AppError::NotFound("ticket"))?;
    let mut t = tickets::get(c, id).await?;
    for _ in 0..MAX_TRANSFERS {
        if t.status != TicketStatus::Transferred.as_str() {
            break;
        }
        let next: Option<(i64,)> = c
            .opt(
                q("select id from tickets where transferred_from = $1 order by id limit 1")
                    .bind(t.id),
            )
            .await?;
        match next {
            Some((id,)) => t = tickets::get(c, id).await?,
            None => break,
        }
    }
    Ok(t)
}

/// Builds the visitor's view of the ticket a public token names.
///
/// # Errors
/// NotFound for a malformed or unknown token.
pub async fn view<C: Exec>(c: &mut C, token: &str) -> Result<PublicTicket> {
    let t = by_token(c, token).await?;
    let branch = branches::get(c, t.branch_id).await?;
    let service = services::get(c, t.service_id).await?;
    let t = tickets::with_estimate(c, &branch.policy(), t).await?;
    let at_desk =
        t.status == TicketStatus::Called.as_str() || t.status == TicketStatus::Serving.as_str();
    let desk_name = match t.desk_id {
        Some(id) if at_desk => Some(desks::get(c, id).await?.name),
        _ => None,
    };
    Ok(PublicTicket {
        service_name: service.name_in(t.language.as_deref()),
        number: t.number,
        status: t.status,
        language: t.language,
        languages: branch.languages(),
        position: t.position,
        estimated_wait_s: t.estimated_wait_s,
        desk_name,
        called_at: t.called_at,
        branch_name: branch.name,
        branch_id: branch.id,
    })
}

/// A visitor's ticket: status, people ahead and estimated wait, and the
/// desk once called. No authentication: the token is the credential.
#[utoipa::path(get, path = "/api/v1/public/tickets/{token}", tag = "public",
    params(("token" = String, Path, description = "The ticket's public token (64 hex characters)")),
    responses((status = 200, body = PublicTicket), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_public_ticket(
    State(state): State<AppState>,
    AppPath(token): AppPath<String>,
) -> Result<Response> {
    if !is_public_token(&token) {
        return Err(AppError::NotFound("ticket"));
    }
    let v = read!(state.db, |c| view(c, &token).await)?;
    let mut response = AppJson(v).into_response();
    // Visitors' phones poll; nothing in between should keep a stale copy.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The address of a ticket's public page.
pub fn ticket_url(public_url: &str, token: &str) -> String {
    format!("{}/ticket/?t={token}", public_url.trim_end_matches('/'))
}

/// A QR code of `data` as a standalone SVG document.
///
/// # Errors
/// Internal when the data does not fit a QR code (a public URL of
/// thousands of characters).
pub fn qr_svg(data: &str) -> Result<String> {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::internal(format!("QR code of {} bytes: {e}", data.len())))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build())
}

/// The QR code of a ticket's public page, as SVG. No authentication.
#[utoipa::path(get, path = "/api/v1/public/tickets/{token}/qr.svg", tag = "public",
    params(("token" = String, Path, description = "The ticket's public token (64 hex characters)")),
    responses((status = 200, content_type = "image/svg+xml", description = "QR code"), (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_public_ticket_qr(
    State(state): State<AppState>,
    AppPath(token): AppPath<String>,
) -> Result<Response> {
    if !is_public_token(&token) {
        return Err(AppError::NotFound("ticket"));
    }
    let exists: Option<(i64,)> = read!(state.db, |c| c
        .opt(q("select id from tickets where public_token = $1").bind(token.as_str()))
        .await
        .map_err(AppError::from))?;
    if exists.is_none() {
        return Err(AppError::NotFound("ticket"));
    }
    let svg = qr_svg(&ticket_url(&state.config.public_url, &token))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            // The code only depends on the token and the public URL.
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        svg,
    )
        .into_response())
}

/// Whether `lang` looks like a language tag that may name a file.
fn is_lang_file_name(lang: &str) -> bool {
    !lang.is_empty()
        && lang.len() <= 20
        && lang.split('-').all(|part| {
            !part.is_empty() && part.len() <= 8 && part.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// The Fluent source of one page's translations.
fn ftl_source(bundle: &str, lang: &str) -> Result<Cow<'static, [u8]>> {
    if !matches!(bundle, "kiosk" | "ticket") {
        return Err(AppError::invalid("the bundle must be kiosk or ticket"));
    }
    if !is_lang_file_name(lang) {
        return Err(AppError::NotFound("language"));
    }
    let file = format!("{lang}.ftl");
    let found = if bundle == "kiosk" {
        KioskI18n::get(&file)
    } else {
        TicketI18n::get(&file)
    };
    found.map(|f| f.data).ok_or(AppError::NotFound("language"))
}

/// The languages a page is translated into, sorted.
pub fn languages(bundle: &str) -> Vec<String> {
    let names: Vec<Cow<'static, str>> = match bundle {
        "kiosk" => KioskI18n::iter().collect(),
        "ticket" => TicketI18n::iter().collect(),
        _ => Vec::new(),
    };
    let mut out: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_suffix(".ftl").map(str::to_owned))
        .collect();
    out.sort();
    out
}

/// Ids of the messages a Fluent file defines: a message starts at the
/// beginning of a line with its identifier and `=` (terms start with `-`,
/// comments with `#`, continuation lines with a space).
fn message_ids(source: &str) -> Vec<&str> {
    source
        .lines()
        .filter_map(|line| {
            let (id, _) = line.split_once('=')?;
            let id = id.trim_end();
            let mut chars = id.chars();
            let first = chars.next()?;
            (first.is_ascii_alphabetic()
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .then_some(id)
        })
        .collect()
}

/// Formats every message (and attribute, as `id.attr`) of a Fluent file
/// with numeric arguments.
///
/// # Errors
/// Internal for a file that does not parse; missing arguments are not
/// errors (Fluent shows the argument's name).
pub fn format_all(
    lang: &str,
    source: &str,
    args: &BTreeMap<&str, i64>,
) -> Result<BTreeMap<String, String>> {
    let langid: unic_langid::LanguageIdentifier =
        lang.parse().map_err(|_| AppError::NotFound("language"))?;
    let resource = FluentResource::try_new(source.to_owned())
        .map_err(|(_, errors)| AppError::internal(format!("{lang}.ftl: {errors:?}")))?;
    let mut bundle = FluentBundle::new(vec![langid]);
    // The strings go into HTML text nodes one by one, not into a
    // right-to-left paragraph: no Unicode isolation marks.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .map_err(|errors| AppError::internal(format!("{lang}.ftl: {errors:?}")))?;
    let mut fargs = FluentArgs::new();
    for (name, value) in args {
        fargs.set(*name, FluentValue::from(*value));
    }
    let mut out = BTreeMap::new();
    for id in message_ids(source) {
        let Some(message) = bundle.get_message(id) else {
            continue;
        };
        let mut errors = Vec::new();
        if let Some(pattern) = message.value() {
            let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
            out.insert(id.to_owned(), text.into_owned());
        }
        for attr in message.attributes() {
            let text = bundle.format_pattern(attr.value(), Some(&fargs), &mut errors);
            out.insert(format!("{id}.{}", attr.id()), text.into_owned());
        }
    }
    Ok(out)
}

/// Largest number accepted as a formatting argument.
const MAX_ARG: i64 = 1_000_000;

/// The numeric arguments of [`get_i18n`]: `ahead` and `wait_min`, each
/// 0 to 1,000,000 (default 0). Anything else is a 422.
fn parse_args(query: &HashMap<String, String>) -> Result<BTreeMap<&'static str, i64>> {
    let mut args = BTreeMap::from([("ahead", 0), ("wait_min", 0)]);
    for (name, value) in query {
        let key = match name.as_str() {
            "ahead" => "ahead",
            "wait_min" => "wait_min",
            other => {
                return Err(AppError::invalid(format!(
                    "unknown parameter {other:?}: only ahead and wait_min"
                )));
            }
        };
        let n: i64 = value
            .parse()
            .ok()
            .filter(|n| (0..=MAX_ARG).contains(n))
            .ok_or_else(|| {
                AppError::invalid(format!("{key} must be a whole number from 0 to {MAX_ARG}"))
            })?;
        args.insert(key, n);
    }
    Ok(args)
}

/// Every message of a page's translation, formatted with the given
/// numbers, as `{id: text}`. Bundles: `kiosk`, `ticket` (anything else
/// is a 422). No authentication.
#[utoipa::path(get, path = "/api/v1/i18n/{bundle}/{lang}", tag = "public",
    params(("bundle" = String, Path, description = "kiosk or ticket"),
           ("lang" = String, Path, description = "Language tag, e.g. pl"),
           ("ahead" = Option<i64>, Query, description = "People ahead (plural forms)"),
           ("wait_min" = Option<i64>, Query, description = "Estimated wait in minutes (plural forms)")),
    responses((status = 200, body = BTreeMap<String, String>), (status = 404, body = crate::error::ErrorBody, description = "Unknown language"),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn get_i18n(
    AppPath((bundle, lang)): AppPath<(String, String)>,
    AppQuery(query): AppQuery<HashMap<String, String>>,
) -> Result<AppJson<BTreeMap<String, String>>> {
    let source = ftl_source(&bundle, &lang)?;
    let args = parse_args(&query)?;
    let source = std::str::from_utf8(&source)
        .map_err(|_| AppError::internal(format!("{bundle}/{lang}.ftl is not UTF-8")))?;
    Ok(AppJson(format_all(&lang, source, &args)?))
}

/// Public routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_i18n))
        .routes(routes!(get_public_ticket))
        .routes(routes!(get_public_ticket_qr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shape() {
        assert!(is_public_token(&"ab12".repeat(16)));
        assert!(!is_public_token(&"AB12".repeat(16)));
        assert!(!is_public_token(&"ab1".repeat(21)));
        assert!(!is_public_token(&"g".repeat(64)));
        assert!(!is_public_token(""));
    }

    #[test]
    fn message_ids_skip_terms_comments_and_continuations() {
        let src = "# c\n-brand = W\nhello = Hi\n  .title = T\nmulti =\n    a = b\nx_y-2 = z\n";
        assert_eq!(message_ids(src), vec!["hello", "multi", "x_y-2"]);
    }

    #[test]
    fn every_shipped_file_parses_with_the_same_ids() {
        for bundle in ["kiosk", "ticket"] {
            let langs = languages(bundle);
            assert!(langs.contains(&"en".to_owned()), "{bundle}: {langs:?}");
            let en = ftl_source(bundle, "en").unwrap();
            let en_ids: Vec<String> = message_ids(std::str::from_utf8(&en).unwrap())
                .into_iter()
                .map(str::to_owned)
                .collect();
            for lang in langs {
                let src = ftl_source(bundle, &lang).unwrap();
                let src = std::str::from_utf8(&src).unwrap();
                let formatted = format_all(&lang, src, &BTreeMap::from([("ahead", 3)])).unwrap();
                for id in &en_ids {
                    assert!(formatted.contains_key(id), "{bundle}/{lang}.ftl lacks {id}");
                }
            }
        }
    }

    #[test]
    fn bad_language_names_are_not_found() {
        for lang in ["", "../en", "en/../pl", "e n", "xx"] {
            assert!(matches!(
                ftl_source("kiosk", lang),
                Err(AppError::NotFound(_))
            ));
        }
        assert!(matches!(
            ftl_source("manager", "en"),
            Err(AppError::Validation(_))
        ));
    }
}
