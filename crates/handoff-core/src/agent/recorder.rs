//! Writing what the agent streams into the session's conversation, and
//! turning it into events for whoever is watching live.
//!
//! The conversation keeps up to [`TURN_TEXT`] bytes of what the agent
//! streams in one turn (its reply and its reasoning). The rest of the reply
//! goes to a private unnamed file as it arrives, kept when the turn ends as
//! a file of the session with its card ([`publish::keep_reply_rest`]); the
//! rest of the reasoning is not kept.

use std::io::{Seek, Write};
use std::path::Path;

use agent_client_protocol::v1::schema::{
    ContentBlock, SessionUpdate, ToolCallContent, ToolCallLocation, ToolCallStatus,
};

use super::{AgentEvent, tool_detail};
use crate::clock;
use crate::home::Home;
use crate::outputs::Described;
use crate::publish;
use crate::store::{
    Message, MessageData, MessageKind, NewMessage, Role, Store, StoreError, ToolCall,
};

/// The most text streamed in one turn (reply and reasoning) that the
/// conversation stores; each piece rewrites its line, so this also bounds
/// the work one piece costs.
pub const TURN_TEXT: usize = 1_000_000;

/// The most text of the edits the agent describes in one turn that is
/// kept to count their lines.
const DESCRIBED_TEXT: usize = 4_000_000;

/// Keeps the conversation of one session up to date.
pub struct Recorder {
    store: Store,
    session_id: i64,
    /// The agent's reply being streamed: its message id and text so far.
    reply: Option<(i64, String)>,
    /// The agent's reasoning being streamed.
    thought: Option<(i64, String)>,
    /// Streamed text stored in this turn, in bytes.
    kept: usize,
    /// The reply past [`TURN_TEXT`], when it went on.
    rest: Option<Rest>,
    /// The edits the agent described in this turn's tool calls.
    described: Vec<Described>,
    /// Their text, in bytes.
    described_bytes: usize,
}

/// The part of a turn's reply past what the conversation stores.
struct Rest {
    file: std::fs::File,
    /// Bytes in the file.
    written: u64,
    /// Bytes past [`publish::DEFAULT_MAX_SIZE`], not kept.
    dropped: u64,
}

impl Recorder {
    /// A recorder for `session_id` writing through `store`.
    pub fn new(store: Store, session_id: i64) -> Self {
        Self {
            store,
            session_id,
            reply: None,
            thought: None,
            kept: 0,
            rest: None,
            described: Vec::new(),
            described_bytes: 0,
        }
    }

    /// The edits the agent described in the turn so far, taken.
    pub fn take_described(&mut self) -> Vec<Described> {
        self.described_bytes = 0;
        std::mem::take(&mut self.described)
    }

    /// Records a change of a tool call's line (its title, status, paths).
    fn tool_call_update(
        &mut self,
        update: &agent_client_protocol::v1::schema::ToolCallUpdate,
    ) -> Result<Option<AgentEvent>, StoreError> {
        let id = update.tool_call_id.0.as_ref();
        let Some(message) = self.store.messages().tool_call(self.session_id, id)? else {
            return Ok(None);
        };
        let mut call = match message.data {
            Some(MessageData::ToolCall(call)) => call,
            _ => ToolCall::new(id, message.body.clone(), "pending"),
        };
        if let Some(title) = &update.fields.title {
            call.title.clone_from(title);
        }
        if let Some(status) = update.fields.status {
            call.status = status_name(status);
        }
        if let Some(locations) = &update.fields.locations {
            call.paths = paths_of(locations);
        }
        if let Some(kind) = update.fields.kind {
            call.kind = tool_detail::kind_name(kind);
        }
        if let Some(content) = &update.fields.content {
            self.describe(content);
            // Content that replaces an edit with its result keeps the edit.
            let diffs = tool_detail::diffs(content);
            if !diffs.is_empty() {
                call.diffs = diffs;
            }
        }
        if let Some(code) = tool_detail::exit_code(update.fields.raw_output.as_ref()) {
            call.exit_code = Some(code);
        }
        self.store.messages().update(
            message.id,
            &call.title,
            Some(&MessageData::ToolCall(call.clone())),
        )?;
        Ok(Some(AgentEvent::ToolCall {
            id: call.id,
            title: call.title,
            status: call.status,
            paths: call.paths,
        }))
    }

    /// Keeps the edits (diffs) of a tool call's content, each once.
    fn describe(&mut self, content: &[ToolCallContent]) {
        for item in content {
            let ToolCallContent::Diff(diff) = item else {
                continue;
            };
            let size = diff.new_text.len() + diff.old_text.as_ref().map_or(0, String::len);
            if self.described_bytes + size > DESCRIBED_TEXT {
                continue;
            }
            let edit = Described {
                path: diff.path.clone(),
                before: diff.old_text.clone(),
                after: diff.new_text.clone(),
            };
            if !self.described.contains(&edit) {
                self.described_bytes += size;
                self.described.push(edit);
            }
        }
    }

    /// Ends the turn: the reply past what the conversation stores becomes a
    /// file of the session, with its card.
    pub fn end_turn(&mut self) -> Result<(), publish::PublishError> {
        self.kept = 0;
        let Some(Rest {
            mut file,
            written: _,
            dropped,
        }) = self.rest.take()
        else {
            return Ok(());
        };
        self.reply = None;
        self.thought = None;
        file.rewind().map_err(|e| publish::PublishError::Failed {
            path: publish::REPLY_REST.into(),
            reason: e.to_string(),
        })?;
        let home = Home::at(self.store.path().parent().unwrap_or(Path::new(".")));
        publish::keep_reply_rest(
            &mut self.store,
            &home,
            self.session_id,
            file,
            dropped,
            clock::now(),
        )?;
        Ok(())
    }

    /// The store, for other writes of the session.
    pub fn store(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Appends a line; a new line ends any reply being streamed.
    pub fn record(&mut self, message: &NewMessage) -> Result<Message, StoreError> {
        self.reply = None;
        self.thought = None;
        self.store
            .messages()
            .append(self.session_id, message, clock::now())
    }

    /// Records one streamed update and says what happened, if anything the
    /// person would see.
    pub fn update(&mut self, update: &SessionUpdate) -> Result<Option<AgentEvent>, StoreError> {
        Ok(match update {
            SessionUpdate::AgentMessageChunk(chunk) => {
                let text = block_text(&chunk.content);
                self.stream(MessageKind::Text, &text)?;
                Some(AgentEvent::Text(text))
            }
            SessionUpdate::AgentThoughtChunk(chunk) => {
                let text = block_text(&chunk.content);
                self.stream(MessageKind::Thought, &text)?;
                Some(AgentEvent::Thought(text))
            }
            SessionUpdate::ToolCall(call) => {
                self.describe(&call.content);
                let status = status_name(call.status);
                let paths = paths_of(&call.locations);
                let data = MessageData::ToolCall(ToolCall {
                    paths: paths.clone(),
                    kind: tool_detail::kind_name(call.kind),
                    diffs: tool_detail::diffs(&call.content),
                    exit_code: tool_detail::exit_code(call.raw_output.as_ref()),
                    ..ToolCall::new(
                        call.tool_call_id.0.to_string(),
                        call.title.clone(),
                        status.clone(),
                    )
                });
                self.record(&NewMessage::with(
                    Role::Agent,
                    MessageKind::ToolCall,
                    call.title.clone(),
                    data,
                ))?;
                Some(AgentEvent::ToolCall {
                    id: call.tool_call_id.0.to_string(),
                    title: call.title.clone(),
                    status,
                    paths,
                })
            }
            SessionUpdate::ToolCallUpdate(update) => self.tool_call_update(update)?,
            SessionUpdate::Plan(plan) => {
                let entries: Vec<String> = plan.entries.iter().map(|e| e.content.clone()).collect();
                let body = entries
                    .iter()
                    .map(|e| format!("- {e}"))
                    .collect::<Vec<_>>()
                    .join("\n");
                self.record(&NewMessage::with(
                    Role::Agent,
                    MessageKind::Plan,
                    body,
                    MessageData::Plan {
                        entries: entries.clone(),
                    },
                ))?;
                Some(AgentEvent::Plan(entries))
            }
            SessionUpdate::ConfigOptionUpdate(update) => Some(AgentEvent::Options(
                super::options::from_acp(&update.config_options),
            )),
            SessionUpdate::CurrentModeUpdate(update) => {
                let mode = update.current_mode_id.0.to_string();
                self.record(&NewMessage::with(
                    Role::System,
                    MessageKind::Text,
                    format!("The agent is now in mode {mode}."),
                    MessageData::Mode { mode: mode.clone() },
                ))?;
                Some(AgentEvent::Mode(mode))
            }
            _ => None,
        })
    }

    /// Appends streamed text to the current reply (or reasoning), starting
    /// a new line when there is none, as far as the turn's [`TURN_TEXT`]
    /// allows; the rest of a reply goes to the turn's rest.
    fn stream(&mut self, kind: MessageKind, text: &str) -> Result<(), StoreError> {
        let mut room = TURN_TEXT.saturating_sub(self.kept).min(text.len());
        while !text.is_char_boundary(room) {
            room -= 1;
        }
        let (stored, rest) = text.split_at(room);
        if !rest.is_empty() && kind != MessageKind::Thought {
            self.keep_rest(rest);
        }
        if stored.is_empty() {
            return Ok(());
        }
        self.kept += stored.len();
        self.store_text(kind, stored)
    }

    /// Writes the reply past what the conversation stores to the turn's
    /// rest, up to [`publish::DEFAULT_MAX_SIZE`]; what cannot be written
    /// (the disk is full) is counted as not kept.
    fn keep_rest(&mut self, text: &str) {
        if self.rest.is_none() {
            let dir = self.store.path().parent().unwrap_or(Path::new("."));
            match tempfile::tempfile_in(dir) {
                Ok(file) => {
                    self.rest = Some(Rest {
                        file,
                        written: 0,
                        dropped: 0,
                    });
                }
                Err(e) => tracing::warn!(error = %e, "cannot keep the rest of the reply"),
            }
        }
        let Some(rest) = self.rest.as_mut() else {
            return;
        };
        let room = publish::DEFAULT_MAX_SIZE.saturating_sub(rest.written);
        let take = text.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        match rest.file.write_all(&text.as_bytes()[..take]) {
            Ok(()) => {
                rest.written += take as u64;
                rest.dropped += (text.len() - take) as u64;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot keep the rest of the reply");
                rest.dropped += text.len() as u64;
            }
        }
    }

    /// Appends `text` to the line being streamed of `kind`.
    fn store_text(&mut self, kind: MessageKind, text: &str) -> Result<(), StoreError> {
        let slot = if kind == MessageKind::Thought {
            &mut self.thought
        } else {
            &mut self.reply
        };
        if let Some((id, body)) = slot {
            body.push_str(text);
            return self.store.messages().update(*id, body, None);
        }
        let message = self.store.messages().append(
            self.session_id,
            &NewMessage {
                role: Role::Agent,
                kind,
                body: text.to_owned(),
                data: None,
            },
            clock::now(),
        )?;
        let slot = if kind == MessageKind::Thought {
            &mut self.thought
        } else {
            &mut self.reply
        };
        *slot = Some((message.id, text.to_owned()));
        Ok(())
    }
}

fn block_text(block: &ContentBlock) -> String {
    match block {
        ContentBlock::Text(t) => t.text.clone(),
        ContentBlock::Image(i) => format!("[image {}]", i.mime_type),
        ContentBlock::ResourceLink(l) => format!("[{}]({})", l.name, l.uri),
        _ => String::new(),
    }
}

/// The files a tool call touches, with the line when the agent names one.
fn paths_of(locations: &[ToolCallLocation]) -> Vec<String> {
    locations
        .iter()
        .map(|l| match l.line {
            Some(line) => format!("{}:{line}", l.path.display()),
            None => l.path.display().to_string(),
        })
        .collect()
}

fn status_name(status: ToolCallStatus) -> String {
    match status {
        ToolCallStatus::Pending => "pending",
        ToolCallStatus::InProgress => "in_progress",
        ToolCallStatus::Completed => "completed",
        ToolCallStatus::Failed => "failed",
        _ => "unknown",
    }
    .to_owned()
}
