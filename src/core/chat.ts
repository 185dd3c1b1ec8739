import type { Block } from './block.js';

/** What kdr's domain needs from a chat (Slack); the Slack adapter in src/slack/ implements it. */
export interface Message {
  text: string;
  blocks: Block[];
  /** Post in the thread of this message. */
  threadTs?: string;
}

/** What kdr's domain needs from Slack; the adapter keeps Slack's own types to itself. */
export interface Poster {
  postMessage(channel: string, msg: Message): Promise<{ channel: string; ts: string }>;
  updateMessage(channel: string, ts: string, msg: Message): Promise<void>;
  /** A text file in the channel (in the thread of `threadTs` when given), for output too large for a message. */
  uploadFile(channel: string, file: Attachment & { threadTs?: string }): Promise<void>;
  /** Visible to one user only (refusals of a click). */
  postEphemeral(channel: string, user: string, msg: Message): Promise<void>;
}

/** Who is who in the workspace: approver groups and display names, read through the Web API. */
export interface Directory {
  usergroupMembers(usergroupId: string): Promise<string[]>;
  userName(userId: string): Promise<string | undefined>;
}

export interface Attachment {
  filename: string;
  title: string;
  content: string;
}
