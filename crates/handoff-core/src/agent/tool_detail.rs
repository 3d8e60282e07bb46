//! What a tool call shows a person beside its title: the kind of work, the
//! edits as diffs (lines counted, cut to a size a conversation holds) and a
//! command's exit status, from what the agent sends over ACP.

use agent_client_protocol::v1::schema::{ToolCallContent, ToolKind};

use crate::store::ToolDiff;

/// The most bytes of one edit's unified diff kept in the conversation.
pub const MOST_DIFF_BYTES: usize = 24_000;
/// The most edits of one tool call kept.
const MOST_DIFFS: usize = 20;
/// Lines of context around each change.
const CONTEXT: usize = 2;

/// The kind's name as ACP spells it; none for work of no named kind.
#[must_use]
pub fn kind_name(kind: ToolKind) -> Option<String> {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) if name != "other" => Some(name),
        _ => None,
    }
}

/// The edits among a tool call's content, one per file.
#[must_use]
pub fn diffs(content: &[ToolCallContent]) -> Vec<ToolDiff> {
    content
        .iter()
        .filter_map(|item| match item {
            ToolCallContent::Diff(diff) => Some(diff_of(
                &diff.path.display().to_string(),
                diff.old_text.as_deref().unwrap_or(""),
                &diff.new_text,
            )),
            _ => None,
        })
        .take(MOST_DIFFS)
        .collect()
}

/// One file's edit from its text before and after.
#[must_use]
pub fn diff_of(path: &str, before: &str, after: &str) -> ToolDiff {
    let diff = similar::TextDiff::from_lines(before, after);
    let (mut added, mut removed) = (0_u32, 0_u32);
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added = added.saturating_add(1),
            similar::ChangeTag::Delete => removed = removed.saturating_add(1),
            similar::ChangeTag::Equal => {}
        }
    }
    let whole = diff
        .unified_diff()
        .context_radius(CONTEXT)
        .missing_newline_hint(false)
        .to_string();
    let (unified, cut) = crate::words::cut_at_line(whole, MOST_DIFF_BYTES);
    ToolDiff {
        path: path.to_owned(),
        added,
        removed,
        unified,
        cut,
    }
}

/// A command's exit status from the tool call's raw output, when the agent
/// gives one as `exit_code` or `exitCode` (a number).
#[must_use]
pub fn exit_code(raw_output: Option<&serde_json::Value>) -> Option<i64> {
    let raw = raw_output?;
    ["exit_code", "exitCode"]
        .iter()
        .find_map(|key| raw.get(key).and_then(serde_json::Value::as_i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An edit reads as its lines counted and a diff with context; a big
    /// one is cut at a line, and says so.
    #[test]
    fn an_edit_is_a_counted_diff_cut_at_a_line() {
        let before = "one\ntwo\nthree\nfour\n";
        let after = "one\n2\nthree\nfour\nfive\n";
        let diff = diff_of("src/a.txt", before, after);
        assert_eq!((diff.added, diff.removed), (2, 1));
        assert!(diff.unified.contains("-two\n+2\n"), "{}", diff.unified);
        assert!(diff.unified.contains("+five\n"), "{}", diff.unified);
        assert!(!diff.cut);

        let long = "a line of the new file\n".repeat(20_000);
        let big = diff_of("big.txt", "", &long);
        assert!(big.cut && big.unified.len() <= MOST_DIFF_BYTES);
        assert!(big.unified.ends_with('\n'));
        assert_eq!(big.added, 20_000);
    }

    /// Only named kinds are kept; an exit status is read where agents put it.
    #[test]
    fn kinds_and_exit_codes() {
        assert_eq!(kind_name(ToolKind::Execute).as_deref(), Some("execute"));
        assert_eq!(kind_name(ToolKind::Other), None);
        let raw = serde_json::json!({"exit_code": 3, "stdout": ""});
        assert_eq!(exit_code(Some(&raw)), Some(3));
        assert_eq!(
            exit_code(Some(&serde_json::json!({"exitCode": 0}))),
            Some(0)
        );
        assert_eq!(exit_code(Some(&serde_json::json!("done"))), None);
        assert_eq!(exit_code(None), None);
    }
}
