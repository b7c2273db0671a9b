import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { JsonColumn } from './json.js';

/** The `conversations` table. A conversation belongs to one project. */
export interface ConversationTable {
  id: string;
  project_id: string;
  created_by: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** The `messages` table: messages of a conversation, each optionally tied to the run it started. */
export interface MessageTable {
  id: string;
  conversation_id: string;
  run_id: string | null;
  role: string;
  content: JsonColumn;
  created_at: ColumnType<Date, Date | undefined, never>;
}

/** A row of `conversations` as selected. */
export type ConversationRow = Selectable<ConversationTable>;
/** A row of `conversations` to insert. */
export type NewConversationRow = Insertable<ConversationTable>;
/** A row of `messages` to insert. */
export type NewMessageRow = Insertable<MessageTable>;
