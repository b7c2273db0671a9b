import { randomUUID } from 'node:crypto';
import type { CreateRunRequest } from '@runq/contract';
import { findConversation, findRun, type Db, type RunRow } from '@runq/db';
import { ConversationNotFoundError, InvalidRunRequestError, ParentRunNotFoundError, ProjectNotFoundError, type RunOwnerKind } from '@runq/runs';

/**
 * Who creates a run: the projects it may create runs in (and see parents and conversations of),
 * and the name recorded as the run's `created_by`. An authenticated API caller is one; so is a
 * schedule or a webhook acting for its project.
 */
export interface RunCreator {
  name: string;
  projectIds: readonly string[];
}

/** What the conversation handling of an agent body decided. */
export interface ConversationPlan {
  conversationId: string | null;
  messageId: string | null;
  /** A conversation to create in the same transaction as the run (or to reuse, if one of `visibleTo` made it meanwhile). */
  create: { id: string; projectId: string; visibleTo: readonly string[] } | null;
  /** The message to add to the conversation, tied to the run. */
  message: { content: unknown } | null;
}

/** No conversation: the plan of every run but an agent's with one. */
export const NO_CONVERSATION: ConversationPlan = { conversationId: null, messageId: null, create: null, message: null };

/**
 * What a new run belongs to, resolved within the caller's projects: its project, its parent
 * run, and for an agent its conversation. Anything outside the caller's projects is not found.
 */
export class RunOwnership {
  constructor(private readonly db: Db) {}

  /** The project of a run of `owner`: the owner itself, or its conversation's project. */
  async project(caller: RunCreator, owner: { kind: RunOwnerKind; id: string }): Promise<string> {
    if (owner.kind === 'project') {
      if (!caller.projectIds.includes(owner.id)) throw new ProjectNotFoundError(owner.id);
      return owner.id;
    }
    const conversation = await findConversation(this.db, owner.id, caller.projectIds);
    if (!conversation) throw new ConversationNotFoundError(owner.id);
    return conversation.project_id;
  }

  /** The parent run `parentRunId`, if it is in the caller's projects. */
  async parent(caller: RunCreator, parentRunId: string): Promise<RunRow> {
    const parent = await findRun(this.db, parentRunId, caller.projectIds);
    if (!parent) throw new ParentRunNotFoundError(parentRunId);
    return parent;
  }

  /**
   * `conversation_mode` of an agent body:
   * - `create_new`: a new conversation in the run's project (with the id given in
   *   `conversation_id`, if any; an existing one of the caller's is reused) and a message;
   * - `existing`: the conversation named by `conversation_id` (else the conversation owner,
   *   else the trigger's) must exist in the caller's projects; a message is added;
   * - `none`, or unset with a project owner: no conversation;
   * - unset with a conversation owner: that conversation, without a new message.
   */
  async conversation(
    caller: RunCreator,
    body: Extract<CreateRunRequest, { kind: 'agent' }>,
    owner: { kind: RunOwnerKind; id: string },
    projectId: string,
  ): Promise<ConversationPlan> {
    const content = 'input' in body.request ? body.request.input : null;
    const named = body.conversation_id?.toLowerCase();
    switch (body.conversation_mode) {
      case 'create_new': {
        const id = named ?? randomUUID();
        const existing = named === undefined ? undefined : await findConversation(this.db, id);
        if (existing && !caller.projectIds.includes(existing.project_id)) throw new ConversationNotFoundError(id);
        return {
          conversationId: id,
          messageId: randomUUID(),
          create: existing ? null : { id, projectId, visibleTo: caller.projectIds },
          message: { content },
        };
      }
      case 'existing': {
        const id = named ?? (owner.kind === 'conversation' ? owner.id : body.trigger?.conversation_id?.toLowerCase());
        if (id === undefined) {
          throw new InvalidRunRequestError('/conversation_id', 'is required when conversation_mode is existing');
        }
        if (!(await findConversation(this.db, id, caller.projectIds))) throw new ConversationNotFoundError(id);
        return { conversationId: id, messageId: randomUUID(), create: null, message: { content } };
      }
      case 'none':
        return NO_CONVERSATION;
      case undefined:
        // A conversation owner was checked by resolveProject; it is the run's conversation.
        return owner.kind === 'conversation'
          ? { ...NO_CONVERSATION, conversationId: owner.id, messageId: body.trigger?.message_id?.toLowerCase() ?? null }
          : NO_CONVERSATION;
    }
  }
}
