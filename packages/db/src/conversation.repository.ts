import type { Db } from './database.js';
import { inProjects } from './scope.js';
import type { ConversationRow, NewConversationRow, NewMessageRow } from './conversation.table.js';

/**
 * Stores a conversation unless one with its id exists. Two requests may create the same named
 * conversation at once: the second waits for the first to commit or roll back, then stores
 * nothing; the caller checks whose it is.
 */
export async function insertConversationIfAbsent(db: Db, conversation: NewConversationRow): Promise<void> {
  await db
    .insertInto('conversations')
    .values(conversation)
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** Finds a conversation; with `projectIds`, only when it belongs to one of them. */
export async function findConversation(db: Db, id: string, projectIds?: readonly string[]): Promise<ConversationRow | undefined> {
  let query = db.selectFrom('conversations').selectAll().where('id', '=', id);
  if (projectIds) query = query.where('project_id', '=', inProjects(projectIds));
  return query.executeTakeFirst();
}

/** Stores a message of a conversation. */
export async function insertMessage(db: Db, message: NewMessageRow): Promise<void> {
  await db.insertInto('messages').values(message).execute();
}
