//! The demo office seeded by `waitwell serve --demo` on an empty database:
//! a city hall with four services, four desks, a manager, two clerks, a
//! kiosk and a display.

use std::collections::BTreeMap;

use crate::app::AppState;
use crate::domain::auth::{DeviceKind, Role};
use crate::domain::branches::{self, NewBranch};
use crate::domain::desks::{self, Allocation, NewDesk};
use crate::domain::devices::{self, NewDevice};
use crate::domain::services::{self, NewService};
use crate::domain::users::{self, NewUser};
use crate::error::Result;
use crate::events::Actor;
use crate::store::read;

/// What the demo created, for printing.
#[derive(Debug, Clone)]
pub struct Demo {
    /// The branch.
    pub branch_id: i64,
    /// (user name, password, role) of the demo users.
    pub users: Vec<(String, String, &'static str)>,
    /// Kiosk token.
    pub kiosk_token: String,
    /// Display token.
    pub display_token: String,
}

/// Password of every demo user. The demo is for trying Waitwell out on one
/// machine; its README section says to never expose it.
pub const DEMO_PASSWORD: &str = "waitwell-demo";

/// Seeds the demo office if the database has no branch yet; `None` if it had.
///
/// # Errors
/// Database errors.
pub async fn seed(state: &AppState) -> Result<Option<Demo>> {
    if !read!(state.db, |c| branches::list(c).await)?.is_empty() {
        return Ok(None);
    }
    let actor = Actor::System;
    let branch = branches::create(
        state,
        NewBranch {
            name: "Demo City Hall".into(),
            timezone: "Europe/Copenhagen".into(),
            rollover: Some("03:00".into()),
            languages: Some(vec!["en".into(), "da".into(), "pl".into()]),
            kiosk_message: Some("Thank you for waiting. Please watch the screens.".into()),
            kiosk_messages: None,
            policy: None,
        },
        actor,
    )
    .await?;
    let names = |en: &str, da: &str, pl: &str| {
        Some(BTreeMap::from([
            ("en".to_owned(), en.to_owned()),
            ("da".to_owned(), da.to_owned()),
            ("pl".to_owned(), pl.to_owned()),
        ]))
    };
    let mut service_ids = Vec::new();
    for (code, en, da, pl, category, standard, expected) in [
        ("A", "Passports", "Pas", "Paszporty", "Documents", 900, 420),
        (
            "B",
            "ID cards",
            "ID-kort",
            "Dowody osobiste",
            "Documents",
            900,
            300,
        ),
        (
            "C",
            "Driving licences",
            "Kørekort",
            "Prawa jazdy",
            "Transport",
            1200,
            480,
        ),
        (
            "D",
            "Residence registration",
            "Folkeregister",
            "Meldunek",
            "Residence",
            600,
            240,
        ),
    ] {
        let s = services::create(
            state,
            branch.id,
            NewService {
                code: code.into(),
                name: en.into(),
                names: names(en, da, pl),
                category: Some(category.into()),
                category_names: None,
                standard_wait_s: Some(standard),
                expected_service_s: Some(expected),
                priority_allowed: Some(true),
            },
            actor,
        )
        .await?;
        service_ids.push(s.id);
    }
    let allocations: [&[(usize, u32)]; 4] = [
        &[(0, 5), (1, 1)],
        &[(1, 5), (0, 1), (3, 1)],
        &[(2, 5), (3, 2)],
        &[(3, 3), (0, 1), (1, 1), (2, 1)],
    ];
    for (i, allocation) in allocations.iter().enumerate() {
        let desk = desks::create(
            &state.db,
            branch.id,
            NewDesk {
                name: format!("Desk {}", i + 1),
                names: None,
            },
            actor,
        )
        .await?;
        let allocation = allocation
            .iter()
            .map(|&(s, weight)| Allocation {
                service_id: service_ids[s],
                weight,
            })
            .collect();
        desks::set_allocation(&state.db, desk.id, allocation, actor).await?;
    }
    let mut created_users = Vec::new();
    let no_users = read!(state.db, |c| users::count(c).await)? == 0;
    let mut wanted = vec![
        ("manager", Role::Manager),
        ("clerk1", Role::Clerk),
        ("clerk2", Role::Clerk),
    ];
    if no_users {
        wanted.insert(0, ("admin", Role::Admin));
    }
    for (name, role) in wanted {
        users::create(
            &state.db,
            Some(branch.id),
            NewUser {
                username: name.into(),
                password: DEMO_PASSWORD.into(),
                role,
            },
            actor,
        )
        .await?;
        created_users.push((name.to_owned(), DEMO_PASSWORD.to_owned(), role.as_str()));
    }
    let kiosk = devices::create(
        &state.db,
        branch.id,
        NewDevice {
            kind: DeviceKind::Kiosk,
            name: "Entrance kiosk".into(),
            config: None,
        },
        actor,
    )
    .await?;
    let display = devices::create(
        &state.db,
        branch.id,
        NewDevice {
            kind: DeviceKind::Display,
            name: "Waiting room TV".into(),
            config: None,
        },
        actor,
    )
    .await?;
    Ok(Some(Demo {
        branch_id: branch.id,
        users: created_users,
        kiosk_token: kiosk.token,
        display_token: display.token,
    }))
}
