//! Handoff's desktop shell: window, commands, the `handoff://` picture
//! scheme, clipboard reading, and the agents' lifetimes. Business logic
//! lives in `handoff-core`; this crate only connects it to the page.

// Tauri hands command arguments (`State`, `AppHandle`, `Channel`) by value.
#![allow(clippy::needless_pass_by_value)]

mod clipboard;
mod commands;
mod drag_out;
pub mod dto;
pub mod helper;
mod housekeeping;
mod instance;
mod notify;
mod protocol;
mod state;
#[cfg(feature = "e2e")]
mod test_hooks;

use specta_typescript::{BigIntExportBehavior, Typescript};
use tauri::{Manager, RunEvent};
use tauri_specta::{Builder, collect_commands};

use handoff_core::logging::OrLog as _;
use state::AppState;

/// Where the generated TypeScript bindings live, relative to this crate.
pub const BINDINGS: &str = "../ui/src/lib/ipc/bindings.ts";

/// Every command the page can call, with their types.
#[must_use]
pub fn specta_builder() -> Builder<tauri::Wry> {
    Builder::<tauri::Wry>::new()
        .commands(collect_commands![
            commands::workspace::list_worktrees,
            commands::workspace::add_worktree,
            commands::workspace::pick_folder,
            commands::workspace::list_sessions,
            commands::workspace::create_session,
            commands::workspace::rename_session,
            commands::workspace::first_session,
            commands::workspace::list_profiles,
            commands::workspace::list_messages,
            commands::workspace::list_mentionable,
            commands::uploads::destinations,
            commands::uploads::taken_names,
            commands::uploads::describe_paths,
            commands::uploads::pick_files,
            commands::uploads::read_clipboard,
            commands::uploads::upload_files,
            commands::agent::watch_session,
            commands::agent::send_prompt,
            commands::agent::cancel_turn,
            commands::agent::answer_permission,
            commands::agent::restart_agent,
            commands::agent::agent_modes,
            commands::agent::set_agent_mode,
            commands::agent::set_agent_setting,
            commands::files::list_files,
            commands::files::open_file,
            commands::files::drag_file_out,
            commands::files::reveal_file,
            commands::files::save_file_as,
            commands::files::delete_file,
            commands::files::keep_file,
            commands::files::preview_file,
            commands::files::file_changes,
            commands::files::open_link,
            commands::files::list_untracked,
            commands::files::add_untracked,
            commands::files::check_remote_files,
            commands::settings::get_settings,
            commands::settings::set_setting,
            commands::settings::save_profile,
            commands::settings::delete_profile,
            commands::settings::test_profile,
            commands::shares::share_file,
            commands::shares::list_shares,
            commands::shares::revoke_share,
            commands::shares::test_share_storage,
            commands::shares::save_share_key,
            commands::shares::copy_text,
            commands::opened::take_opened_paths,
            commands::sign_in::sign_in_ways,
            commands::sign_in::sign_in,
        ])
        .constant("DEFAULT_MESSAGE", handoff_core::template::DEFAULT_MESSAGE)
}

/// The TypeScript exporter settings (numbers for i64 ids and times).
#[must_use]
pub fn typescript() -> Typescript {
    Typescript::default()
        .bigint(BigIntExportBehavior::Number)
        .header("// Generated from the Rust commands by `make bindings`. Do not edit.\n")
}

/// The TypeScript bindings as committed in `ui/src/lib/ipc/bindings.ts`.
///
/// This tauri-specta release also emits a placeholder alias for the channel
/// type that clashes with its own `Channel` import; it is dropped here.
pub fn bindings() -> Result<String, String> {
    let path = std::env::temp_dir().join(format!("handoff-bindings-{}.ts", std::process::id()));
    specta_builder()
        .export(typescript(), &path)
        .map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    std::fs::remove_file(&path).or_log("removing the bindings' temporary file");
    Ok(text
        .lines()
        .filter(|line| !line.starts_with("export type TAURI_CHANNEL<"))
        .fold(String::new(), |mut out, line| {
            out.push_str(line);
            out.push('\n');
            out
        }))
}

/// Runs the app until its window closes; when the app already runs for
/// this data folder, hands it the files named on the command line instead.
pub fn run() {
    let state = AppState::from_env();
    match handoff_core::logging::to_file(&state.ctx.home, true) {
        Ok(path) => tracing::info!(log = %path.display(), "Handoff starts"),
        Err(e) => eprintln!(
            "handoff: cannot write the log in {}: {e}",
            state.ctx.home.dir().display()
        ),
    }
    let paths = instance::command_line_paths();
    let claim = match instance::claim(&state.ctx.home, &paths) {
        Ok(instance::Launch::Handed) => return,
        Ok(instance::Launch::First(claim)) => Some(claim),
        Err(e) => {
            eprintln!(
                "handoff: cannot tell whether Handoff already runs for {}: {e}",
                state.ctx.home.dir().display()
            );
            None
        }
    };
    state.offer_opened(paths);
    let builder = specta_builder();
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .register_asynchronous_uri_scheme_protocol("handoff", protocol::handle)
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            #[cfg(feature = "e2e")]
            test_hooks::grant(app)?;
            housekeeping::start(app.handle());
            app.state::<AppState>().attach(app.handle().clone());
            if let Some(claim) = claim {
                let handle = app.handle().clone();
                instance::serve(claim, move |paths| {
                    commands::opened::arrived(&handle, paths);
                });
            }
            Ok(())
        })
        .build(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("handoff: cannot start the app: {e}");
            std::process::exit(1);
        });
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            // Agents end with the app (they also die with it if it is killed).
            let state = handle.state::<AppState>();
            tauri::async_runtime::block_on(state.agents.stop_all());
            // Then the connections to remote worktrees' machines.
            handoff_core::remote::close_all();
        }
    });
}

#[cfg(test)]
mod tests {
    /// The production build gives the page nothing the e2e driver needs:
    /// no global Tauri object, no emitting of events.
    #[test]
    fn the_production_build_carries_no_test_hooks() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = std::fs::read_to_string(dir.join("tauri.conf.json")).unwrap();
        let config: serde_json::Value = serde_json::from_str(&config).unwrap();
        assert_ne!(config["app"]["withGlobalTauri"], true);
        for entry in std::fs::read_dir(dir.join("capabilities")).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            assert!(!text.contains("allow-emit"), "{text}");
        }
    }

    /// The committed bindings must match the commands: regenerate them with
    /// `make bindings`.
    #[test]
    fn typescript_bindings_match_the_commands() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(super::BINDINGS);
        let generated = super::bindings().expect("bindings export");
        if std::env::var_os("HANDOFF_WRITE_BINDINGS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "ui/src/lib/ipc/bindings.ts is out of date: run `make bindings`"
        );
    }
}
