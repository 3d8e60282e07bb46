//! Share links of recorded files (see [`crate::share`]): made, listed,
//! revoked, swept when expired; the storage's connection tested; its
//! access key kept.

use std::time::Duration;

use serde::Serialize;

use super::{ApiError, Context};
use crate::clock;
use crate::share::{self, AccessKey, KeptIn, ShareError, ShareRequest, Swept};
use crate::store::Share;

/// A share with what the list shows of it.
#[derive(Debug, Clone, Serialize)]
pub struct ShareListing {
    /// The share.
    pub share: Share,
    /// The shared file's name.
    pub filename: String,
}

/// Shares file `file_id` for `life`, encrypted or not; `progress` hears
/// the bytes sent so far.
pub fn share(
    ctx: &Context,
    file_id: i64,
    life: Duration,
    encrypt: bool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Share, ApiError> {
    let mut store = ctx.store()?;
    let storage = share::storage(&ctx.home, &store.settings().load()?)?;
    let request = ShareRequest {
        file_id,
        life,
        encrypt,
    };
    crate::runtime::block_on(async {
        Ok::<_, ApiError>(
            share::share(&mut store, &storage, &request, clock::now(), progress).await?,
        )
    })
}

/// Every share, newest first, with its file's name.
pub fn list(ctx: &Context) -> Result<Vec<ShareListing>, ApiError> {
    let mut store = ctx.store()?;
    let shares = store.shares().list()?;
    Ok(shares
        .into_iter()
        .map(|share| ShareListing {
            filename: store
                .files()
                .get(share.file_id)
                .map_or_else(|_| format!("file {}", share.file_id), |f| f.filename),
            share,
        })
        .collect())
}

/// Revokes share `id`: its object is deleted, its link stops at once.
pub fn revoke(ctx: &Context, id: i64) -> Result<Share, ApiError> {
    let mut store = ctx.store()?;
    let storage = share::storage(&ctx.home, &store.settings().load()?)?;
    crate::runtime::block_on(async {
        Ok::<_, ApiError>(share::revoke(&mut store, &storage, id, clock::now()).await?)
    })
}

/// Deletes the objects of expired links and aborts the multipart uploads
/// killed shares left (nothing to do while sharing is not set up and no
/// link expired); what went.
pub fn sweep(ctx: &Context) -> Result<Swept, ApiError> {
    let mut store = ctx.store()?;
    let expired = !store.shares().expired(clock::now())?.is_empty();
    let storage = match share::storage(&ctx.home, &store.settings().load()?) {
        Ok(storage) => storage,
        Err(ShareError::NotSetUp | ShareError::NoKey { .. }) if !expired => {
            return Ok(Swept::default());
        }
        Err(e) => return Err(e.into()),
    };
    crate::runtime::block_on(async {
        Ok::<_, ApiError>(share::sweep(&mut store, &storage, clock::now()).await?)
    })
}

/// Checks the storage the settings name: the key is kept, the storage
/// answers, the key is accepted, the bucket is there. What works.
pub fn test_connection(ctx: &Context) -> Result<String, ApiError> {
    let mut store = ctx.store()?;
    let settings = store.settings().load()?;
    let storage = share::storage(&ctx.home, &settings)?;
    crate::runtime::block_on(storage.check())?;
    Ok(format!(
        "{} answers, the key is accepted and the bucket {} is there",
        settings.share_endpoint, settings.share_bucket
    ))
}

/// Keeps the access key for the storage the settings name.
pub fn save_key(ctx: &Context, key: &AccessKey) -> Result<KeptIn, ApiError> {
    let mut store = ctx.store()?;
    let settings = store.settings().load()?;
    if settings.share_endpoint.is_empty() {
        return Err(ShareError::NotSetUp.into());
    }
    if key.id.trim().is_empty() || key.secret.is_empty() {
        return Err(ApiError::invalid(
            "both the key id and its secret are needed",
        ));
    }
    Ok(share::credentials::save(
        &ctx.home,
        &settings.share_endpoint,
        key,
    )?)
}
