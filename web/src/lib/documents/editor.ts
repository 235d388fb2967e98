// The editor of a Tavle document: which nodes and marks a document holds (the schema the server's
// `document::Schema` must match: docs/design/documents.md lists it), bound to a Yjs document
// through TipTap's Collaboration extension, with others' carets.
//
// Everything here keeps to the page's Content-Security-Policy (`style-src 'self'`): TipTap's
// injected <style> is off (the rules are in editor.css), carets, selections and table cell
// alignment are drawn with classes, never with style attributes, and pasted HTML loses its
// styles before it is parsed (paste.ts). The schema keeps no style or class attribute.
//
// Images are left out for now: the schema has no image node yet, and the editor offers none.
// Content the schema cannot hold (an image written by a later version) is reported, not deleted:
// `enableContentCheck` makes the binding stop instead of removing it from the shared document.

import { Editor } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import { Table, TableCell, TableHeader, TableRow } from '@tiptap/extension-table';
import { CharacterCount } from '@tiptap/extensions';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import * as Y from 'yjs';
import { Comments } from './comments';
import { cleanPastedHTML } from './paste';
import type { DocumentProvider } from './provider';

/** The colours of people's carets: white text on each has a contrast of at least 6:1. */
export const COLOURS = ['#b3261e', '#1d4e89', '#2e6b30', '#7b3f98', '#9a4d00', '#00666e', '#5a4fcf', '#a1255f'];

/** A person's colour, the same on every device: chosen by their id. */
export function colourFor(personId: string): string {
  let h = 2166136261;
  for (const c of personId) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return COLOURS[(h >>> 0) % COLOURS.length];
}

/** The class that draws a colour (a colour from elsewhere gets one of ours by its name). */
function colourClass(user: Record<string, unknown>): string {
  let i = COLOURS.indexOf(String(user.color));
  if (i < 0) i = [...String(user.name ?? '')].reduce((a, c) => a + c.charCodeAt(0), 0) % COLOURS.length;
  return `collab-c${i}`;
}

function caret(user: Record<string, unknown>): HTMLElement {
  const el = document.createElement('span');
  el.className = `collab-caret ${colourClass(user)}`;
  // The list of who is here says the names; inside the text they would be read as words.
  el.setAttribute('aria-hidden', 'true');
  const label = document.createElement('span');
  label.className = 'collab-caret-label';
  label.textContent = String(user.name ?? '');
  el.append(label);
  return el;
}

/** A table cell's alignment as a class rather than TipTap's inline `text-align` style. */
const alignAsClass = {
  renderHTML: (attrs: Record<string, unknown>) =>
    ['left', 'center', 'right'].includes(String(attrs.align)) ? { class: `align-${attrs.align}` } : {},
};

const Cell = TableCell.extend({
  addAttributes() {
    const parent: Record<string, object> = this.parent?.() ?? {};
    return { ...parent, align: { ...parent.align, ...alignAsClass } };
  },
});
const Header = TableHeader.extend({
  addAttributes() {
    const parent: Record<string, object> = this.parent?.() ?? {};
    return { ...parent, align: { ...parent.align, ...alignAsClass } };
  },
});

/** The origin of the paragraph put into a document that was emptied here. */
const REFILL = 'tavle-refill';

/** Keeps a paragraph in a document emptied by a change made here (undoing everything in a new
 * document does that). With the content check on, the binding takes an emptied fragment for
 * content that does not fit the schema (which wants a block at least) and stops taking input;
 * ProseMirror's own document always has a paragraph, so the shared one gets one too. The other
 * side of an emptying change made elsewhere refills it there. */
function keepOneParagraph(doc: Y.Doc, refilled: () => void) {
  const fragment = doc.getXmlFragment('default');
  fragment.observe((_event, tr) => {
    if (fragment.length > 0 || !tr.local || tr.origin === REFILL) return;
    setTimeout(() => {
      if (fragment.length > 0) return;
      doc.transact(() => fragment.insert(0, [new Y.XmlElement('paragraph')]), REFILL);
      refilled();
    });
  });
}

export interface EditorSetup {
  element: HTMLElement;
  doc: Y.Doc;
  /** The live document's connection; none for a document that is only read (a hand-in, an
   * older version), which then never takes input and shows nobody's caret. */
  provider?: DocumentProvider;
  /** Who types here, as others see their caret (with a connection only). */
  user?: { name: string; color: string };
  /** Attributes of the editable area: its name, language and spell checking. */
  attributes: Record<string, string>;
  taskLabel: (checked: boolean, text: string) => string;
  /** The shared document holds something this editor cannot show. */
  oninvalid: () => void;
}

export function createEditor(s: EditorSetup): Editor {
  const editor: Editor = new Editor({
    element: s.element,
    editable: false,
    injectCSS: false,
    enableContentCheck: true,
    onContentError: ({ disableCollaboration }) => {
      // A document emptied (everything undone) is reported as not fitting the schema, which
      // wants a paragraph at least; it is empty, not unreadable (keepOneParagraph refills it).
      if (s.doc.getXmlFragment('default').length === 0) return;
      disableCollaboration();
      s.oninvalid();
    },
    editorProps: {
      attributes: s.attributes,
      transformPastedHTML: cleanPastedHTML,
    },
    extensions: [
      StarterKit.configure({
        // Collaboration brings its own undo, of one's own changes only.
        undoRedo: false,
        heading: { levels: [1, 2, 3] },
        // Not in a Tavle document's schema: pasted quotes and code become paragraphs.
        blockquote: false,
        code: false,
        codeBlock: false,
        horizontalRule: false,
        link: {
          openOnClick: false,
          autolink: true,
          defaultProtocol: 'https',
          protocols: ['http', 'https', 'mailto'],
        },
      }),
      TaskList,
      TaskItem.configure({
        nested: true,
        a11y: { checkboxLabel: (node, checked) => s.taskLabel(checked, node.textContent) },
      }),
      Table.configure({ resizable: false }),
      TableRow,
      Header,
      Cell,
      CharacterCount,
      Collaboration.configure({ document: s.doc, field: 'default' }),
      ...(s.provider && s.user
        ? [
            CollaborationCaret.configure({
              provider: s.provider,
              user: s.user,
              render: caret,
              selectionRender: (user) => ({ class: `collab-selection ${colourClass(user)}` }),
            }),
          ]
        : []),
      Comments,
    ],
  });
  if (s.provider) {
    keepOneParagraph(s.doc, () => {
      // The moment without a paragraph took the focus from the text: give it back.
      if (!document.activeElement || document.activeElement === document.body) editor.commands.focus('end');
    });
  }
  return editor;
}
