//! A folder over the batch limit is never cut silently: the dialog counts
//! its files before Upload, says it is over the limit up front, and offers
//! to upload all of them this time or to cancel. A file that fails is
//! counted exactly, and nothing goes to the agent until the person says so.

use anyhow::{Result, ensure};
use handoff_core::store::FileQuery;

use crate::app::{App, World};
use crate::flows::{uploads, with_app};

/// A folder `proj` of `n` small files.
fn project(world: &World, n: usize) -> std::path::PathBuf {
    for i in 0..n {
        let path = world.root.join(format!("src/proj/file-{i:02}.txt"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, format!("file {i}\n")).unwrap();
    }
    world.root.join("src/proj")
}

fn limit(world: &World, files: usize) {
    world
        .store()
        .settings()
        .set("max_batch_files", &files.to_string())
        .unwrap();
}

async fn upload_button_enabled(app: &App) -> Result<bool> {
    let button = app.wait_for("[data-testid=upload]").await?;
    Ok(button.prop("disabled").await?.as_deref() != Some("true"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_over_the_limit_is_counted_and_uploaded_whole_when_asked() {
    let world = World::new();
    let folder = project(&world, 30);
    limit(&world, 10);
    with_app(&world, |app| async move {
        let result = async {
            app.drop_files(&[&folder]).await?;
            app.wait_for("[data-testid=upload-dialog]").await?;
            let title = app.text("[data-testid=upload-title]").await?;
            ensure!(title.starts_with("Hand these 30 files ("), "{title}");
            let meta = app.text("[data-testid=item-meta]").await?;
            ensure!(meta.starts_with("folder of 30 files · "), "{meta}");
            let warning = app.text("[data-testid=over-limit]").await?;
            ensure!(
                warning.starts_with("30 files is more than the 10 per upload set in Settings."),
                "{warning}"
            );
            ensure!(
                !upload_button_enabled(&app).await?,
                "Upload waits for a choice"
            );
            app.screenshot("31-over-limit").await?;
            app.click("[data-testid=raise-limit]").await?;
            ensure!(upload_button_enabled(&app).await?);
            app.click("[data-testid=upload]").await?;
            app.dialog_closed().await?;
            // The agent is told about all 30 at once.
            app.wait_for_text("I got your message in 31 parts:").await?;
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
    let saved = std::fs::read_dir(uploads(&world).join("proj"))
        .unwrap()
        .count();
    assert_eq!(saved, 30);
    let setting = world.store().settings().load().unwrap().max_batch_files;
    assert_eq!(
        setting, 10,
        "the setting is unchanged: the limit was raised for this upload only"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_file_is_counted_and_the_agent_waits_for_the_person() {
    let world = World::new();
    let folder = project(&world, 4);
    std::fs::write(folder.join("big.bin"), vec![7u8; 4000]).unwrap();
    world
        .store()
        .settings()
        .set("max_file_size", "1kB")
        .unwrap();
    with_app(&world, |app| async move {
        let result = async {
            app.drop_files(&[&folder]).await?;
            app.click("[data-testid=upload]").await?;
            let counted = app
                .wait_for("[data-testid=upload-result]")
                .await?
                .text()
                .await?;
            ensure!(counted == "4 of 5 files saved; 1 was not.", "{counted}");
            let error = app.text("[data-testid=item-error]").await?;
            ensure!(
                error.starts_with("1 of 5 not saved: proj/big.bin: 4 kB is over the 1 kB limit"),
                "{error}"
            );
            app.screenshot("32-partly-saved").await?;
            let page = app.text("[data-testid=conversation]").await?;
            ensure!(
                !page.contains("I got your message"),
                "the agent was not prompted yet: {page}"
            );
            app.click("[data-testid=tell-agent]").await?;
            app.wait_for_text("I got your message in 5 parts:").await?;
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
    let files = world.store().files().list(&FileQuery::default()).unwrap();
    assert_eq!(files.len(), 4);
}

/// An uploads folder that cannot be written safely (`.agor` is a link out
/// of the worktree) fails the file with a reason, and the dialog offers the
/// temp folder instead; taking it saves the file there and tells the agent.
#[tokio::test(flavor = "multi_thread")]
async fn an_unsafe_uploads_folder_offers_the_temp_folder() {
    let world = World::new();
    let elsewhere = world.root.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::create_dir_all(world.worktree()).unwrap();
    std::os::unix::fs::symlink(&elsewhere, world.worktree().join(".agor")).unwrap();
    let notes = world.source("notes.txt", b"for the agent\n");
    with_app(&world, |app| async move {
        let result = async {
            app.drop_files(&[&notes]).await?;
            app.click("[data-testid=upload]").await?;
            app.wait_for("[data-testid=upload-result]").await?;
            let error = app.text("[data-testid=item-error]").await?;
            ensure!(error.contains("refusing to write there"), "{error}");
            let remedy = app.text("[data-testid=remedy]").await?;
            ensure!(
                remedy.contains("the temp folder can be used instead"),
                "{remedy}"
            );
            app.screenshot("38-unsafe-folder-remedy").await?;
            app.click("[data-testid=retry-in-temp]").await?;
            app.dialog_closed().await?;
            app.wait_for_text("I got your message").await?;
            Ok(())
        }
        .await;
        (app, result)
    })
    .await;
    let saved = world.root.join("tmp/agor-uploads/notes.txt");
    assert_eq!(std::fs::read(saved).unwrap(), b"for the agent\n");
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "nothing went through the link"
    );
}
