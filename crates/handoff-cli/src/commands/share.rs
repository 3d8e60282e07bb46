//! `handoff share`: links to recorded files that work outside Handoff,
//! from the S3-compatible storage named in the settings.

use std::io::BufRead;

use anyhow::Result;
use clap::Subcommand;
use handoff_core::api::{Context, shares};
use handoff_core::clock;
use handoff_core::share::{self, AccessKey, KeptIn};
use handoff_core::store::Share;
use serde::Serialize;

use crate::output::{print_json, terminal_safe, terminal_safe_lines};

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    /// The id of the file to share (see `handoff ls`).
    #[arg(value_name = "ID")]
    id: Option<i64>,
    /// How long the link works: 1h, 24h, 7d (at most 7 days).
    #[arg(long, default_value = "24h", value_name = "LIFE")]
    expires: String,
    /// Encrypt end to end: the storage holds ciphertext only, the link
    /// opens a page that decrypts in the browser (default: the
    /// share_encrypt setting).
    #[arg(long, conflicts_with = "plain")]
    encrypt: bool,
    /// Share the bytes as they are, whatever share_encrypt says.
    #[arg(long)]
    plain: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// List every share, newest first, with its expiry.
    Ls {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Revoke a share: its object is deleted and the link stops at once.
    Revoke {
        /// The share's id (see `handoff share ls`).
        id: i64,
    },
    /// Check the storage: reachable, key accepted, bucket there.
    Test,
    /// Keep the storage's access key (in the OS keyring, else a file only
    /// you can read); the secret is read from standard input.
    Key {
        /// The access key id.
        #[arg(long = "id", value_name = "KEY_ID")]
        key_id: String,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonShare<'a> {
    id: i64,
    file_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<&'a str>,
    url: &'a str,
    object_key: &'a str,
    encrypted: bool,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    live: bool,
}

impl<'a> JsonShare<'a> {
    fn new(share: &'a Share, filename: Option<&'a str>, live: bool) -> Self {
        Self {
            id: share.id,
            file_id: share.file_id,
            filename,
            url: &share.url,
            object_key: &share.object_key,
            encrypted: share.encrypted,
            created_at: share.created_at,
            expires_at: share.expires_at,
            revoked_at: share.revoked_at,
            live,
        }
    }
}

pub fn run(ctx: &Context, args: Args) -> Result<bool> {
    match args.action {
        Some(Action::Ls { json }) => list(ctx, json),
        Some(Action::Revoke { id }) => {
            let share = shares::revoke(ctx, id)?;
            println!(
                "revoked share {}: its link (and any other to the same upload) no longer works",
                share.id
            );
            Ok(true)
        }
        Some(Action::Test) => match shares::test_connection(ctx) {
            Ok(works) => {
                println!("{}", terminal_safe(&works));
                Ok(true)
            }
            Err(e) => {
                eprintln!("{}", terminal_safe_lines(&e.to_string()));
                Ok(false)
            }
        },
        Some(Action::Key { key_id }) => {
            let mut secret = String::new();
            std::io::stdin().lock().read_line(&mut secret)?;
            let key = AccessKey {
                id: key_id,
                secret: secret.trim_end_matches(['\r', '\n']).to_owned(),
            };
            match shares::save_key(ctx, &key)? {
                KeptIn::Keyring => println!("the key is kept in your keyring"),
                KeptIn::File => println!(
                    "no keyring runs here: the key is kept in a file only you can read, in Handoff's data folder"
                ),
            }
            Ok(true)
        }
        None => {
            let Some(id) = args.id else {
                anyhow::bail!(
                    "name the file to share (its id, see `handoff ls`), or a command: ls, revoke, test, key"
                );
            };
            let life = share::parse_expiry(&args.expires)?;
            let encrypt = if args.encrypt {
                true
            } else if args.plain {
                false
            } else {
                ctx.store()?.settings().load()?.share_encrypt
            };
            let share = shares::share(ctx, id, life, encrypt, &|_| {})?;
            if args.json {
                print_json(&JsonShare::new(&share, None, true))?;
            } else {
                println!("{}", share.url);
                println!(
                    "expires in {}{}",
                    share::describe_life(life),
                    if share.encrypted {
                        "; end-to-end encrypted: the key is in the link, keep it private"
                    } else {
                        ""
                    }
                );
            }
            Ok(true)
        }
    }
}

fn list(ctx: &Context, json: bool) -> Result<bool> {
    let listed = shares::list(ctx)?;
    let now = clock::now();
    if json {
        let rows: Vec<_> = listed
            .iter()
            .map(|l| JsonShare::new(&l.share, Some(&l.filename), l.share.is_live(now)))
            .collect();
        print_json(&rows)?;
        return Ok(true);
    }
    for l in &listed {
        let state = if l.share.revoked_at.is_some() {
            "revoked".to_owned()
        } else if l.share.is_live(now) {
            format!("expires in {}", crate::output::age(l.share.expires_at, now))
        } else {
            "expired".to_owned()
        };
        println!(
            "{:>4}  {:<28}  {}{}",
            l.share.id,
            terminal_safe(&l.filename),
            state,
            if l.share.encrypted { ", encrypted" } else { "" }
        );
    }
    Ok(true)
}
