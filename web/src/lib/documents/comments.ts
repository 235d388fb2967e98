// Comments on passages of a document: where each thread's passage is, and its highlight in
// the text.
//
// A thread's place is its anchor: the passage's start and end as Yjs relative positions
// (`base64(start):base64(end)`, opaque to the server), so it follows the text through everyone's
// edits, offline ones included. The ProseMirror plugin here resolves the anchors of the open
// threads against the editor's document, draws each passage with a class (editor.css; the
// active thread's stronger), and keeps track of which thread is active: the one the caret is
// in, the one whose highlight was clicked, or the one chosen in the comments panel. A passage
// that no longer resolves (deleted) leaves its thread "detached": the panel shows its quote.
//
// Positions are resolved again whenever a change comes through Yjs (someone else's typing, an
// undo, a restored version) and when the threads change; the editor's own typing maps them.

import { Extension } from '@tiptap/core';
import { Plugin, PluginKey, type EditorState, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import type { Mapping } from '@tiptap/pm/transform';
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from '@tiptap/y-tiptap';
import * as Y from 'yjs';

/** A comment as the API gives it: a thread's first comment (`id == thread_id`) or a reply. */
export interface Comment {
  id: string;
  thread_id: string;
  author_id: string;
  author_name: string;
  body: string;
  anchor?: string;
  quote?: string;
  created_at: string;
  resolved_at?: string;
  resolved_by?: string;
}

/** A thread: its first comment and the replies to it, oldest first. */
export interface Thread {
  id: string;
  first: Comment;
  replies: Comment[];
}

/** The comments (oldest first) as threads, in the order their first comments were made. */
export function threadsOf(comments: Comment[]): Thread[] {
  const threads = new Map<string, Thread>();
  for (const c of comments) if (c.id === c.thread_id) threads.set(c.id, { id: c.id, first: c, replies: [] });
  for (const c of comments) if (c.id !== c.thread_id) threads.get(c.thread_id)?.replies.push(c);
  return [...threads.values()];
}

/** The longest comment the server takes, in characters. */
export const MAX_BODY = 5000;
/** How much of the passage goes with a new thread (the server keeps as much). */
const MAX_QUOTE = 500;

/** Where a passage is in the editor's document now. */
export interface Range {
  from: number;
  to: number;
}

/** The id of the passage being commented on, while the new comment is written. */
export const DRAFT = 'draft';

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** The selected passage as an anchor, with its text; null when nothing is selected. */
export function anchorOfSelection(state: EditorState): { anchor: string; quote: string } | null {
  const { from, to, empty } = state.selection;
  const sync = ySyncPluginKey.getState(state);
  if (empty || !sync?.binding) return null;
  try {
    const start = absolutePositionToRelativePosition(from, sync.type, sync.binding.mapping);
    const end = absolutePositionToRelativePosition(to, sync.type, sync.binding.mapping);
    const anchor = `${toBase64(Y.encodeRelativePosition(start))}:${toBase64(Y.encodeRelativePosition(end))}`;
    const quote = [...state.doc.textBetween(from, to, '\n', ' ').trim()].slice(0, MAX_QUOTE).join('');
    return { anchor, quote };
  } catch {
    // A selection the binding cannot place (the shared document stopped): nothing to anchor.
    return null;
  }
}

/** Where an anchor's passage is in the editor's document now; null when it is gone. */
export function resolveAnchor(state: EditorState, anchor: string): Range | null {
  const sync = ySyncPluginKey.getState(state);
  if (!sync?.binding) return null;
  try {
    const [start, end] = anchor.split(':').map((part) => Y.decodeRelativePosition(fromBase64(part)));
    if (!start || !end) return null;
    const from = relativePositionToAbsolutePosition(sync.doc, sync.type, start, sync.binding.mapping);
    const to = relativePositionToAbsolutePosition(sync.doc, sync.type, end, sync.binding.mapping);
    const size = state.doc.content.size;
    if (from === null || to === null) return null;
    const range = { from: Math.max(0, Math.min(from, size)), to: Math.max(0, Math.min(to, size)) };
    // All of its text deleted: both ends meet where it was.
    return range.to > range.from ? range : null;
  } catch {
    // An anchor this editor cannot read (another version's, or damaged).
    return null;
  }
}

/** What made a thread the active one. */
export type ActiveBy = 'caret' | 'click' | 'panel';

export interface CommentsState {
  /** The anchors to show: the open threads', and the draft's while a comment is written. */
  anchors: { id: string; anchor: string }[];
  /** Each anchor's passage now (null: detached). */
  ranges: Map<string, Range | null>;
  active: string | null;
  activeBy: ActiveBy | null;
  /** Counts the times a thread was made active by a click or from the panel. */
  seq: number;
  decorations: DecorationSet;
}

/** What the panel tells the plugin, as a transaction's meta. */
export interface CommentsMeta {
  anchors?: { id: string; anchor: string }[];
  active?: string | null;
  by?: ActiveBy;
}

export const commentsKey = new PluginKey<CommentsState>('tavleComments');

function resolveAll(state: EditorState, anchors: CommentsState['anchors']): Map<string, Range | null> {
  return new Map(anchors.map((a) => [a.id, resolveAnchor(state, a.anchor)]));
}

/** The passages through a change made here: text typed at either end stays outside. */
function mapAll(ranges: Map<string, Range | null>, mapping: Mapping): Map<string, Range | null> {
  const out = new Map<string, Range | null>();
  for (const [id, r] of ranges) {
    if (!r) {
      out.set(id, null);
      continue;
    }
    const from = mapping.map(r.from, 1);
    const to = mapping.map(r.to, -1);
    out.set(id, to > from ? { from, to } : null);
  }
  return out;
}

/** The innermost (shortest) open thread whose passage holds a position. */
function threadAt(ranges: Map<string, Range | null>, pos: number): string | null {
  let best: string | null = null;
  let length = Infinity;
  for (const [id, r] of ranges) {
    if (id === DRAFT || !r || pos < r.from || pos > r.to) continue;
    if (r.to - r.from < length) [best, length] = [id, r.to - r.from];
  }
  return best;
}

function decorate(state: EditorState, ranges: Map<string, Range | null>, active: string | null): DecorationSet {
  const all: Decoration[] = [];
  for (const [id, r] of ranges) {
    if (!r) continue;
    const kind = id === DRAFT ? ' doc-comment-draft' : id === active ? ' doc-comment-active' : '';
    all.push(Decoration.inline(r.from, r.to, { class: `doc-comment${kind}`, 'data-comment': id }));
  }
  return DecorationSet.create(state.doc, all);
}

const fromYjs = (tr: Transaction) => Boolean(tr.getMeta(ySyncPluginKey));

function commentsPlugin(): Plugin<CommentsState> {
  return new Plugin<CommentsState>({
    key: commentsKey,
    state: {
      init: (_, state) => ({
        anchors: [],
        ranges: new Map(),
        active: null,
        activeBy: null,
        seq: 0,
        decorations: DecorationSet.create(state.doc, []),
      }),
      apply(tr, prev, _old, state): CommentsState {
        const meta = tr.getMeta(commentsKey) as CommentsMeta | undefined;
        let { anchors, ranges, active, activeBy, seq } = prev;
        let changed = false;
        if (meta?.anchors) {
          anchors = meta.anchors;
          ranges = resolveAll(state, anchors);
          changed = true;
        } else if (tr.docChanged && anchors.length) {
          // A change that came through Yjs may have replaced whole blocks: the anchors say
          // where the passages are now. The editor's own changes map them.
          ranges = fromYjs(tr) ? resolveAll(state, anchors) : mapAll(ranges, tr.mapping);
          changed = true;
        }
        if (meta && 'active' in meta) {
          active = meta.active ?? null;
          activeBy = meta.by ?? 'panel';
          seq++;
          changed = true;
        } else if (tr.selectionSet && !fromYjs(tr) && state.selection.empty) {
          // The caret moved into a passage (or out of one): its thread is the active one.
          const at = threadAt(ranges, state.selection.head);
          if (at !== active) {
            active = at;
            activeBy = 'caret';
            changed = true;
          }
        }
        if (!changed) return prev;
        return { anchors, ranges, active, activeBy, seq, decorations: decorate(state, ranges, active) };
      },
    },
    props: {
      decorations: (state) => commentsKey.getState(state)?.decorations,
      handleDOMEvents: {
        // A click on a passage (not the end of selecting text) makes its thread the active one.
        click(view, event) {
          const target = event.target instanceof Element ? event.target.closest('[data-comment]') : null;
          const id = target?.getAttribute('data-comment');
          if (!id || id === DRAFT || !document.getSelection()?.isCollapsed) return false;
          view.dispatch(view.state.tr.setMeta(commentsKey, { active: id, by: 'click' } satisfies CommentsMeta));
          return false;
        },
      },
    },
  });
}

/** The comments' highlights in the editor. */
export const Comments = Extension.create({
  name: 'tavleComments',
  addProseMirrorPlugins() {
    return [commentsPlugin()];
  },
});
