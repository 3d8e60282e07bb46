import { IpcFailure, channel, commands, unwrap, type AgentModes, type AgentUpdate, type Message, type PermissionOption } from "../ipc";
import { coalesced } from "./coalesce";

/** A permission question of the agent, waiting for the person. */
export interface PendingPermission {
  requestId: number;
  title: string;
  options: PermissionOption[];
}

/** The session on screen: its conversation, the agent's pending question,
 *  its modes and settings, the files `@` can mention, and whether a turn
 *  runs. Reloads requested while one runs are queued, never dropped, and a
 *  reload for a session no longer on screen changes nothing. */
export class SessionState {
  /** The session on screen. */
  id = $state<number | null>(null);
  messages = $state.raw<Message[]>([]);
  permission = $state<PendingPermission | null>(null);
  /** The agent's modes and settings, once known. */
  modes = $state<AgentModes | null>(null);
  mentionable = $state.raw<string[]>([]);
  /** A turn runs. */
  busy = $state(false);
  /** Bumped on every change the agent or another process made. */
  changes = $state(0);

  /** Shows errors to the person. */
  #show: (error: unknown) => void;
  #reload = coalesced(() => this.#loadMessages());

  constructor(show: (error: unknown) => void) {
    this.#show = show;
  }

  /** Shows session `id` and follows its updates. */
  async select(id: number): Promise<void> {
    this.id = id;
    this.permission = null;
    this.messages = [];
    this.modes = null;
    this.mentionable = [];
    await commands.watchSession(id, channel<AgentUpdate>((update) => this.#heard(id, update)));
    await this.reload();
    void this.refreshMentionable();
  }

  /** Reads the conversation again (queued behind a read that runs). */
  reload(): Promise<void> {
    return this.#reload();
  }

  async #loadMessages(): Promise<void> {
    const id = this.id;
    if (id === null) return;
    const messages = await unwrap(commands.listMessages(id));
    if (id === this.id) this.messages = messages;
  }

  #heard(id: number, update: AgentUpdate) {
    if (id !== this.id) return;
    if (update.kind === "permission") this.permission = { requestId: update.requestId, title: update.title, options: update.options };
    if (update.kind === "turnEnded") this.permission = null;
    this.changes += 1;
    requestAnimationFrame(() => void this.reload().catch(this.#show));
  }

  /** Answers the agent's question (`null` cancels it). */
  answer(requestId: number, optionId: string | null) {
    void commands.answerPermission(requestId, optionId);
    this.permission = null;
  }

  async refreshMentionable(): Promise<void> {
    const id = this.id;
    if (id === null) return;
    try {
      const found = await unwrap(commands.listMentionable(id));
      if (id === this.id) this.mentionable = found;
    } catch {
      if (id === this.id) this.mentionable = [];
    }
  }

  async loadModes(): Promise<void> {
    await this.#setModes(() => commands.agentModes(this.id!), false);
  }

  async setMode(mode: string): Promise<void> {
    await this.#setModes(() => commands.setAgentMode(this.id!, mode), true);
  }

  async setSetting(setting: string, value: string): Promise<void> {
    await this.#setModes(() => commands.setAgentSetting(this.id!, setting, value), true);
  }

  async #setModes(call: () => ReturnType<typeof commands.agentModes>, reloadOnError: boolean): Promise<void> {
    const id = this.id;
    if (id === null) return;
    try {
      const modes = await unwrap(call());
      if (id === this.id) this.modes = modes;
    } catch (e) {
      this.#show(e);
      if (reloadOnError) await this.loadModes();
    }
  }

  /** Sends a prompt with files; the turn's failure, if any, is in the
   *  conversation (with a retry), so it is not shown again. */
  async send(message: string, fileIds: number[]): Promise<void> {
    const id = this.id;
    if (id === null) return;
    this.busy = true;
    try {
      await unwrap(commands.sendPrompt(id, message, fileIds));
      // The agent runs now: its modes are known without starting anything.
      void this.loadModes();
    } catch (e) {
      if (!(e instanceof IpcFailure)) this.#show(e);
    } finally {
      this.busy = false;
      await this.reload().catch(this.#show);
    }
  }

  /** Stops the running turn. */
  cancel() {
    if (this.id !== null) void commands.cancelTurn(this.id);
  }

  /** Ends the agent; the next message starts it again. */
  async restart(): Promise<void> {
    if (this.id === null) return;
    await unwrap(commands.restartAgent(this.id));
    this.modes = null;
  }
}
