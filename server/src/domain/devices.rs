//! Devices: kiosks and waiting-room displays. Each authenticates with its
//! own token of narrow scope: a kiosk issues tickets for its branch, a
//! display reads its branch. The token is shown once, at creation or
//! rotation, and stored only as a hash.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::auth::{DeviceKind, new_token, token_hash};
use crate::domain::branches::{self, clean_name};
use crate::error::{AppError, Result};
use crate::events::{self, Actor, NewEvent};
use crate::now_ms;
use crate::store::Db;
use crate::store::read;
use crate::store::{Exec, sql, write};
use waitwell_proto::DeviceRef;

pub use waitwell_proto::Device;

/// A device with its token, returned once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeviceWithToken {
    /// The device.
    #[serde(flatten)]
    pub device: Device,
    /// Bearer token for the device. Not retrievable later.
    pub token: String,
}

/// Reads a device.
///
/// # Errors
/// NotFound.
pub async fn get<C: Exec>(c: &mut C, id: i64) -> Result<Device> {
    sql::devices::get(c, id)
        .await?
        .ok_or(AppError::NotFound("device"))
}

/// New device.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    /// kiosk or display.
    pub kind: DeviceKind,
    /// Name.
    pub name: String,
    /// Settings object.
    #[schema(value_type = Object)]
    pub config: Option<serde_json::Value>,
}

/// Changes to a device.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceUpdate {
    /// Name.
    pub name: Option<String>,
    /// Settings object (replaces all).
    #[schema(value_type = Object)]
    pub config: Option<serde_json::Value>,
    /// Active.
    pub active: Option<bool>,
}

pub(crate) fn clean_config(config: Option<&serde_json::Value>) -> Result<Option<String>> {
    match config {
        None => Ok(None),
        Some(v) if v.is_object() => {
            let text = v.to_string();
            if text.len() > 16 * 1024 {
                return Err(AppError::invalid("config must be at most 16 KiB"));
            }
            Ok(Some(text))
        }
        Some(_) => Err(AppError::invalid("config must be a JSON object")),
    }
}

/// Creates a device and its token; used by the API and the demo seed.
///
/// # Errors
/// Validation errors.
pub async fn create(
    db: &crate::store::Db,
    branch_id: i64,
    new: NewDevice,
    actor: Actor,
) -> Result<DeviceWithToken> {
    let name = clean_name("name", &new.name, 120)?;
    let config = clean_config(new.config.as_ref())?.unwrap_or_else(|| "{}".into());
    let token = new_token("wwd_");
    let hash = token_hash(&token);
    let now = now_ms();
    let kind = new.kind.as_str();
    let device = write!(db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        let id = sql::devices::insert(c, branch_id, kind, &name, &hash, &config, now).await?;
        let device = get(c, id).await?;
        events::append(
            c,
            out,
            NewEvent {
                branch_id,
                ticket_id: None,
                desk_id: None,
                data: events::EventData::DeviceCreated(device.clone()),
                actor,
                at: now,
            },
        )
        .await?;
        Ok(device)
    })?;
    Ok(DeviceWithToken { device, token })
}

/// A branch's kiosks and displays.
///
/// # Errors
/// NotFound for an unknown branch.
pub async fn list(db: &Db, branch_id: i64) -> Result<Vec<Device>> {
    read!(db, |c| {
        branches::get(c, branch_id).await?;
        sql::devices::of_branch(c, branch_id)
            .await
            .map_err(AppError::from)
    })
}

/// Renames, reconfigures or (de)activates a device.
///
/// # Errors
/// Validation errors; NotFound.
pub async fn edit(
    db: &Db,
    branch_id: i64,
    id: i64,
    update: DeviceUpdate,
    actor: Actor,
    now: i64,
) -> Result<Device> {
    let name = update
        .name
        .as_deref()
        .map(|n| clean_name("name", n, 120))
        .transpose()?;
    let config = clean_config(update.config.as_ref())?;
    write!(db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        let mut d = get(c, id).await?;
        if let Some(v) = name {
            d.name = v;
        }
        if let Some(v) = config {
            d.config = v;
        }
        if let Some(v) = update.active {
            d.active = v;
        }
        sql::devices::update(c, &d).await?;
        events::append(
            c,
            out,
            NewEvent {
                branch_id,
                ticket_id: None,
                desk_id: None,
                data: events::EventData::DeviceUpdated(d.clone()),
                actor,
                at: now,
            },
        )
        .await?;
        Ok(d)
    })
}

/// Gives a device a new token; the old one stops working at once. Returns
/// the device and its new token (shown once).
///
/// # Errors
/// NotFound.
pub async fn rotate(
    db: &Db,
    branch_id: i64,
    id: i64,
    actor: Actor,
    now: i64,
) -> Result<(Device, String)> {
    let token = new_token("wwd_");
    let hash = token_hash(&token);
    let device = write!(db, |c, out| async move {
        branches::lock(c, branch_id).await?;
        sql::devices::set_token_hash(c, id, &hash).await?;
        let d = get(c, id).await?;
        events::append(
            c,
            out,
            NewEvent {
                branch_id,
                ticket_id: None,
                desk_id: None,
                data: events::EventData::DeviceTokenRotated(DeviceRef { id }),
                actor,
                at: now,
            },
        )
        .await?;
        Ok(d)
    })?;
    Ok((device, token))
}

/// Records that a device was in contact now.
///
/// # Errors
/// Database errors.
pub async fn mark_seen<C: Exec>(c: &mut C, id: i64, now: i64) -> Result<()> {
    sql::devices::mark_seen(c, id, now).await?;
    Ok(())
}
