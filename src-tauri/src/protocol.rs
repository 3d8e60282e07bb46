//! The `handoff://` scheme that serves pictures to the page by id, never by
//! a path the page chooses: `/file/<id>` (a recorded file), `/offer/<id>`
//! (a file the person dropped or picked), `/paste/<id>` (a clipboard image).
//! Only raster images are served (and PDFs of recorded files, which the
//! page draws with pdf.js), with their type and `nosniff`; a recorded file
//! must belong to the worktree on screen. A recorded picture shows what was
//! sent: its own bytes while they are the recorded ones, else the
//! thumbnail kept of them.

use std::path::Path;

use tauri::http::{Request, Response, StatusCode};
use tauri::{Manager, UriSchemeContext, UriSchemeResponder, Wry};

use crate::state::AppState;

/// Largest picture served.
const MAX_BYTES: u64 = 50_000_000;

/// Raster image types: what an offered file or a pasted image may be.
const RASTER: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
];

/// What a recorded file may be: a raster image, or a PDF.
const RECORDED: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "application/pdf",
];

/// Origins of the app's own page (Linux and macOS, Windows).
const APP_ORIGINS: [&str; 2] = ["tauri://localhost", "http://tauri.localhost"];

/// Answers one request of the scheme (off the main thread).
pub fn handle(
    ctx: UriSchemeContext<'_, Wry>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let app = ctx.app_handle().clone();
    let path = request.uri().path().to_owned();
    let origin = request
        .headers()
        .get("Origin")
        .and_then(|o| o.to_str().ok())
        .filter(|o| APP_ORIGINS.contains(o))
        .map(str::to_owned);
    std::thread::spawn(move || {
        let state = app.state::<AppState>();
        let mut response = serve(&state, &path).unwrap_or_else(empty);
        // The page's own origin may read what it fetches (pdf.js loads PDFs).
        if let Some(origin) = origin.and_then(|o| o.parse().ok()) {
            response
                .headers_mut()
                .insert("Access-Control-Allow-Origin", origin);
        }
        responder.respond(response);
    });
}

fn serve(state: &AppState, path: &str) -> Result<Response<Vec<u8>>, StatusCode> {
    let mut parts = path.trim_start_matches('/').splitn(2, '/');
    let (kind, id) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    match kind {
        "file" => {
            let id: i64 = id.parse().map_err(|_| StatusCode::BAD_REQUEST)?;
            let record = handoff_core::api::files::get(&state.ctx, id)
                .and_then(|record| state.shown_file(record))
                .map_err(|_| StatusCode::NOT_FOUND)?;
            let mime = record.sniffed_mime.clone().unwrap_or(record.mime.clone());
            if RASTER.contains(&mime.as_str()) {
                // What was sent: its bytes while they are the recorded ones,
                // else the thumbnail kept of them.
                return match handoff_core::api::files::sent_picture(&state.ctx, &record, MAX_BYTES)
                {
                    Some((bytes, false)) => respond(bytes, &mime, RASTER),
                    Some((thumbnail, true)) => respond(thumbnail, "image/png", RASTER),
                    None => Err(StatusCode::NOT_FOUND),
                };
            }
            // A file in a remote worktree is fetched over SFTP.
            match handoff_core::api::files::remote_bytes(&state.ctx, &record, MAX_BYTES) {
                Ok(Some(bytes)) => respond(bytes, &mime, RECORDED),
                Ok(None) => picture(&record.path, &mime, RECORDED),
                Err(_) => Err(StatusCode::NOT_FOUND),
            }
        }
        "offer" => {
            let id: u32 = id.parse().map_err(|_| StatusCode::BAD_REQUEST)?;
            let path = state.offered(id).ok_or(StatusCode::NOT_FOUND)?;
            let mime = handoff_core::mime::guess(&path.to_string_lossy());
            picture(&path, &mime, RASTER)
        }
        "paste" => {
            let id: u32 = id.parse().map_err(|_| StatusCode::BAD_REQUEST)?;
            let (_, bytes) = state.paste(id).ok_or(StatusCode::NOT_FOUND)?;
            respond(bytes.to_vec(), "image/png", RASTER)
        }
        _ => Err(StatusCode::NOT_FOUND),
    }
}

/// The file at `path`, when it is a regular file of an `allowed` type.
fn picture(path: &Path, mime: &str, allowed: &[&str]) -> Result<Response<Vec<u8>>, StatusCode> {
    let meta = std::fs::metadata(path).map_err(|_| StatusCode::NOT_FOUND)?;
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return Err(StatusCode::NOT_FOUND);
    }
    if !allowed.contains(&mime) {
        return Err(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    respond(
        std::fs::read(path).map_err(|_| StatusCode::NOT_FOUND)?,
        mime,
        allowed,
    )
}

fn respond(bytes: Vec<u8>, mime: &str, allowed: &[&str]) -> Result<Response<Vec<u8>>, StatusCode> {
    if !allowed.contains(&mime) || bytes.len() as u64 > MAX_BYTES {
        return Err(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    Response::builder()
        .header("Content-Type", mime)
        .header("X-Content-Type-Options", "nosniff")
        .header("Cache-Control", "no-store")
        .body(bytes)
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}

fn empty(status: StatusCode) -> Response<Vec<u8>> {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = status;
    response
}
