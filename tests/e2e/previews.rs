//! Files the agent publishes: cards in the conversation, previews that show
//! them and never run anything, and a picture scheme that serves known ids
//! only.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Result, ensure};
use fantoccini::Locator;
use serde_json::json;

use crate::app::{App, World};

async fn ask(app: &App, text: &str) -> Result<()> {
    let input = app.wait_for("[data-testid=prompt-input]").await?;
    input.send_keys(text).await?;
    app.click("[data-testid=send]").await?;
    Ok(())
}

async fn cards(app: &App) -> Result<usize> {
    Ok(app
        .client
        .find_all(Locator::Css("[data-testid=card]"))
        .await?
        .len())
}

async fn wait_cards(app: &App, n: usize) -> Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while cards(app).await? < n {
        ensure!(
            std::time::Instant::now() < deadline,
            "only {} cards",
            cards(app).await?
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The turn goes on after the card (the agent's reply streams in and the
    // conversation scrolls): wait for it to end, and for the page to draw,
    // so a click lands where the card is.
    app.wait_for(".app:not(:has([data-testid=cancel]))").await?;
    app.client
        .execute_async(
            "const done = arguments[0]; setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(() => done(true))), 150);",
            vec![],
        )
        .await?;
    Ok(())
}

/// A PDF with one page per text, each saying it in Helvetica.
fn pdf(pages: &[String]) -> Vec<u8> {
    // 1 catalog, 2 page tree, 3 font, then a page and its contents per text.
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 4 + 2 * i))
        .collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    for (i, text) in pages.iter().enumerate() {
        let stream = format!("BT /F1 24 Tf 72 720 Td ({text}) Tj ET");
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {} 0 R /Resources << /Font << /F1 3 0 R >> >> >>",
            5 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ));
    }
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", n + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// The 40-page PDF previews: its first page drawn with its text laid over
/// it, later pages drawn only when scrolled to.
async fn pdf_preview(app: &App) -> Result<()> {
    app.wait_for("[data-testid=preview-pdf][data-pages='40'] .page[data-page='1'] .textLayer span")
        .await?;
    let text = app
        .text("[data-testid=preview-pdf] .page[data-page='1'] .textLayer")
        .await?;
    ensure!(text.contains("Quarterly numbers"), "the PDF's text: {text}");
    let inked = app
        .client
        .execute("const c = document.querySelector('[data-testid=preview-pdf] canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++; return n;", vec![])
        .await?;
    ensure!(
        inked.as_u64().unwrap_or(0) > 100,
        "the page was drawn ({inked} dark pixels)"
    );
    app.screenshot("12-pdf-preview").await?;
    let drawn = app
        .client
        .execute(
            "return document.querySelectorAll('[data-testid=preview-pdf] canvas').length;",
            vec![],
        )
        .await?;
    ensure!(
        drawn.as_u64().unwrap_or(40) < 10,
        "only pages near the view are drawn ({drawn})"
    );
    app.client
        .execute("document.querySelector(\"[data-testid=preview-pdf] .page[data-page='40']\").scrollIntoView();", vec![])
        .await?;
    app.wait_for("[data-testid=preview-pdf] .page[data-page='40'] .textLayer span")
        .await?;
    let last = app
        .text("[data-testid=preview-pdf] .page[data-page='40'] .textLayer")
        .await?;
    ensure!(last.contains("The end"), "the last page: {last}");
    Ok(())
}

/// Clicks a card's "Save as…" and answers the real GTK save dialog by
/// typing `typed` (a path, or a bare name kept in the folder the dialog
/// opened in) into it, as a person would; waits for `dest`.
async fn save_card_as(app: &App, index: usize, typed: &str, dest: &Path) -> Result<()> {
    let buttons = app
        .client
        .find_all(Locator::Css(
            "[data-testid=card] .card-actions button:first-child",
        ))
        .await?;
    buttons[index].click().await?;
    answer_save_dialog(typed, dest).await
}

/// Answers the real GTK save dialog, once it is up, by typing `typed`
/// into it; waits for `dest`.
pub(crate) async fn answer_save_dialog(typed: &str, dest: &Path) -> Result<()> {
    let found = Command::new("xdotool")
        .args(["search", "--sync", "--name", "^Save as$"])
        .output()?;
    ensure!(found.status.success(), "the save dialog opened");
    let window = String::from_utf8_lossy(&found.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let xdotool = |args: &[&str]| Command::new("xdotool").args(args).status();
    // No window manager runs under Xvfb: focus the dialog directly. Keys
    // go through XTEST, as a keyboard's would (GTK ignores sent events).
    xdotool(&["windowfocus", "--sync", &window])?;
    xdotool(&["key", "ctrl+a"])?;
    xdotool(&["type", "--delay", "5", typed])?;
    xdotool(&["key", "Return"])?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !dest.exists() {
        ensure!(
            std::time::Instant::now() < deadline,
            "{} was never written",
            dest.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// The picture previews at its size, and zooms in a step.
async fn image_preview(app: &App) -> Result<()> {
    let mut width = json!(0);
    for _ in 0..50 {
        width = app
            .client
            .execute("const img = document.querySelector('[data-testid=preview-image]'); return img && img.complete ? img.naturalWidth : 0;", vec![])
            .await?;
        if width != json!(0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ensure!(width == json!(128), "the picture previews ({width})");
    // Zoom: the 128 px picture fits as is; + steps to 150 %.
    ensure!(app.text("[data-testid=zoom-level]").await? == "Fit (100%)");
    app.click("[aria-label='Zoom in']").await?;
    ensure!(app.text("[data-testid=zoom-level]").await? == "150%");
    let shown = app
        .client
        .execute("return document.querySelector('[data-testid=preview-image]').getBoundingClientRect().width;", vec![])
        .await?;
    ensure!(shown == json!(192), "drawn 192 px wide: {shown}");
    app.screenshot("16-image-preview").await?;
    Ok(())
}

async fn open_card(app: &App, index: usize) -> Result<()> {
    let all = app
        .client
        .find_all(Locator::Css("[data-testid=card] .card-title"))
        .await?;
    all[index].click().await?;
    app.wait_for("[data-testid=preview]").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn published_files_show_as_cards_and_preview_safely() {
    let world = World::new();
    // The person's Downloads folder, as XDG user dirs name it.
    std::fs::create_dir_all(world.root.join("home/Downloads")).unwrap();
    std::fs::create_dir_all(world.root.join("home/.config")).unwrap();
    std::fs::write(
        world.root.join("home/.config/user-dirs.dirs"),
        "XDG_DOWNLOAD_DIR=\"$HOME/Downloads\"\n",
    )
    .unwrap();
    let app = App::launch(&world).await.expect("the app starts");
    let worktree = world.worktree();
    std::fs::write(
        worktree.join("report.md"),
        "# Findings\n\n<script>window.__ran = 1</script>\n<img src=x onerror=\"window.__ran = 2\">\n",
    )
    .unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../icons/128x128.png"),
        worktree.join("chart.png"),
    )
    .unwrap();
    std::fs::write(
        worktree.join("data.csv"),
        "city,people\n\"Oslo, NO\",709000\nBergen,291000\n",
    )
    .unwrap();
    let mut pages: Vec<String> = (1..=40).map(|n| format!("Page {n}")).collect();
    pages[0] = "Quarterly numbers".to_owned();
    pages[39] = "The end".to_owned();
    std::fs::write(worktree.join("numbers.pdf"), pdf(&pages)).unwrap();
    std::fs::write(
        worktree.join("config.json"),
        r#"{"name":"handoff","limits":{"files":10}}"#,
    )
    .unwrap();
    let result = async {
        for (n, file) in [
            "report.md",
            "chart.png",
            "data.csv",
            "numbers.pdf",
            "config.json",
        ].into_iter().enumerate() {
            ask(&app, &format!("publish {file}")).await?;
            wait_cards(&app, n + 1).await?;
        }
        ask(&app, "publish report.md").await?;
        wait_cards(&app, 6).await?;
        let revisions = app
            .client
            .execute("return [...document.querySelectorAll('[data-testid=card-revision]')].map((e) => e.textContent).join(' ');", vec![])
            .await?;
        ensure!(revisions == json!("v1 v1 v1 v1 v1 v2"), "a second publish is revision 2: {revisions}");
        app.screenshot("08-cards").await?;

        // Markdown: rendered, with the script and the handler gone.
        open_card(&app, 0).await?;
        app.wait_for("[data-testid=preview-markdown] h1").await?;
        ensure!(app.text("[data-testid=preview-markdown] h1").await? == "Findings");
        let unsafe_nodes = app
            .client
            .execute("const m = document.querySelector('[data-testid=preview-markdown]'); return m.querySelectorAll('script, [onerror], img').length;", vec![])
            .await?;
        ensure!(unsafe_nodes == json!(0), "no script, handler or remote picture: {unsafe_nodes}");
        app.screenshot("11-markdown-preview").await?;

        open_card(&app, 1).await?;
        image_preview(&app).await?;
        open_card(&app, 2).await?;
        let table = app.text("[data-testid=preview-table]").await?;
        ensure!(table.contains("Oslo, NO") && table.contains("291000"), "{table}");
        app.screenshot("09-csv-preview").await?;

        // PDF: drawn by pdf.js, its text laid over the page.
        open_card(&app, 3).await?;
        pdf_preview(&app).await?;

        open_card(&app, 4).await?;
        let pretty = app.text("[data-testid=preview-text]").await?;
        ensure!(
            pretty.contains("{\n  \"name\": \"handoff\",\n  \"limits\": {\n    \"files\": 10"),
            "JSON pretty-printed: {pretty}"
        );
        app.screenshot("17-json-preview").await?;

        // Save as… through the real dialog writes the same bytes.
        let dest = world.root.join("home/saved-chart.png");
        save_card_as(&app, 1, &dest.display().to_string(), &dest).await?;
        ensure!(
            std::fs::read(&dest)? == std::fs::read(worktree.join("chart.png"))?,
            "the saved copy is byte-identical"
        );
        // A bare name lands in Downloads, where the dialog opens.
        let downloads = world.root.join("home/Downloads/chart-copy.png");
        save_card_as(&app, 1, "chart-copy.png", &downloads).await?;

        let ran = app.client.execute("return window.__ran === undefined", vec![]).await?;
        ensure!(ran == json!(true), "nothing in a preview ran");

        refusals(&app, &world).await
    }
    .await;
    app.close().await;
    result.unwrap();
}

/// The picture scheme and the preview command serve files of the worktree
/// on screen only: made-up ids and paths, and another worktree's file, are
/// refused.
async fn refusals(app: &App, world: &World) -> Result<()> {
    let worktree = world.worktree();
    // The picture scheme serves recorded ids only.
    let refused = app
        .client
        .execute_async(
            "const done = arguments[0]; const results = []; \
             const urls = ['handoff://localhost/file/99999', 'handoff://localhost/file/..%2F..%2Fetc%2Fpasswd', 'handoff://localhost/etc/passwd']; \
             let left = urls.length; \
             for (const url of urls) { const img = new Image(); \
               img.onload = () => { results.push(url + ' loaded'); if (--left === 0) done(results); }; \
               img.onerror = () => { results.push(url + ' refused'); if (--left === 0) done(results); }; \
               img.src = url; }",
            vec![],
        )
        .await?;
    let refused = refused.to_string();
    ensure!(!refused.contains("loaded"), "{refused}");

    // A picture of another worktree, known to the store, is refused too,
    // by the scheme and by the preview command.
    let other = world.root.join("other-worktree");
    std::fs::create_dir_all(&other)?;
    let status = Command::new(crate::app::target_dir().join("debug/handoff"))
        .args(["upload", "--worktree"])
        .arg(&other)
        .arg(worktree.join("chart.png"))
        .env("HANDOFF_HOME", world.root.join("data"))
        .env("HOME", world.root.join("home"))
        .status()?;
    ensure!(status.success(), "handoff upload into the other worktree");
    let foreign = world
        .store()
        .files()
        .list(&handoff_core::store::FileQuery::default())?
        .into_iter()
        .find(|f| f.path.starts_with(&other))
        .expect("the other worktree's upload is recorded");
    let own = world
        .store()
        .files()
        .list(&handoff_core::store::FileQuery::default())?
        .into_iter()
        .find(|f| f.filename == "chart.png" && !f.path.starts_with(&other))
        .expect("the published chart");
    let answers = app
        .client
        .execute_async(
            "const [own, foreign, done] = arguments; const load = (id) => new Promise((ok) => { \
               const img = new Image(); img.onload = () => ok('loaded'); img.onerror = () => ok('refused'); \
               img.src = 'handoff://localhost/file/' + id; }); \
             const preview = (id) => window.__TAURI_INTERNALS__.invoke('preview_file', { fileId: id }).then(() => 'previewed', (e) => 'refused: ' + e.message); \
             Promise.all([load(own), load(foreign), preview(own), preview(foreign), typeof window.__TAURI__]).then(done);",
            vec![json!(own.id), json!(foreign.id)],
        )
        .await?;
    ensure!(
        answers
            == json!([
                "loaded",
                "refused",
                "previewed",
                format!(
                    "refused: file {} is not a file of this worktree",
                    foreign.id
                ),
                // No global Tauri object, in the e2e build either.
                "undefined"
            ]),
        "{answers}"
    );
    Ok(())
}
