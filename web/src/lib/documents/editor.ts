// The editor of a Tavle document: which nodes and marks a document holds (the schema the server's
// `document::Schema` must match: docs/design/documents.md lists it), bound to a Yjs document
// through TipTap's Collaboration extension, with others' carets.
//
// Everything here keeps to the page's Content-Security-Policy (`style-src 'self'`): TipTap's
// injected <style> is off (the rules are in editor.css), carets, selections and table cell
// alignment are drawn with classes, never with style attributes, and pasted HTML loses its
// styles before it is parsed (paste.ts). The schema keeps no style or class attribute.
//
// Pictures are `image` nodes (image.ts): a block naming its PNG or JPEG file by SHA-256, shown
// from the address the page gives (`imageUrl`). Picture files pasted or dropped into a live
// document go to the page (`pictures`), which sends them to the server and inserts them; a
// picture copied from another Tavle document (or a hand-in) is copied into this one before the
// HTML it came in is pasted, since a document shows only the pictures it holds itself.
// Content the schema cannot hold (a node written by a later version) is reported, not deleted:
// `enableContentCheck` makes the binding stop instead of removing it from the shared document.

import { Editor } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import { Table, TableCell, TableHeader, TableRow } from '@tiptap/extension-table';
import { CharacterCount } from '@tiptap/extensions';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import * as Y from 'yjs';
import type { EditorView } from '@tiptap/pm/view';
import { Selection } from '@tiptap/pm/state';
import { Comments } from './comments';
import { ImageNode, isPictureName, SHA256 } from './image';
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

/** What the page does with pictures pasted or dropped into the text (a live document only). */
export interface PictureHandler {
  /** Image files (PNG and JPEG are taken; the page says why others are not) to add where the
   * selection is. */
  files(files: File[]): void;
  /** Pictures of another Tavle document, by SHA-256 and the address they are read from, to
   * copy into this one; resolves with the hashes that were copied. */
  copy(sources: Map<string, string>): Promise<Set<string>>;
}

/** The image files among those pasted or dropped, unless they came with text: Word and
 * LibreOffice put a picture of the copied passage beside its HTML, and the text is what was
 * meant. A picture copied from a web page comes as a file with HTML holding just an <img>. */
function pictureFiles(data: DataTransfer): File[] {
  // (A file of some systems comes without a type: its name says what it is.)
  const files = [...data.files].filter((f) => f.type.startsWith('image/') || (!f.type && isPictureName(f.name)));
  if (files.length === 0) return [];
  const html = data.getData('text/html');
  if (html && new DOMParser().parseFromString(cleanPastedHTML(html), 'text/html').body.textContent?.trim()) return [];
  return files;
}

/** The Tavle pictures in pasted HTML that this page does not read from where they came from
 * (copied from another document, an older version, a hand-in): SHA-256 → address. Pictures
 * of another site (another Tavle) cannot be copied and are left out of the HTML instead. */
function foreignPictures(html: string, imageUrl: (sha: string) => string): { sources: Map<string, string>; html: string } {
  const sources = new Map<string, string>();
  if (!html.includes('data-tavle-image')) return { sources, html };
  const doc = new DOMParser().parseFromString(cleanPastedHTML(html), 'text/html');
  for (const img of doc.querySelectorAll('img[data-tavle-image]')) {
    const sha = img.getAttribute('data-tavle-image') ?? '';
    let from: URL | null = null;
    try {
      from = new URL(img.getAttribute('src') ?? '', location.href);
    } catch {
      // No address: nothing to copy it from.
    }
    if (!SHA256.test(sha) || !from || from.origin !== location.origin) {
      img.remove();
      continue;
    }
    if (from.pathname !== new URL(imageUrl(sha), location.href).pathname) sources.set(sha, from.pathname);
  }
  return { sources, html: doc.body.innerHTML };
}

/** Copies the pictures of pasted (or dropped) HTML into this document, then pastes it where the
 * selection is, without the pictures that could not be copied. */
function pasteWithPictures(view: EditorView, html: string, sources: Map<string, string>, pictures: PictureHandler) {
  void pictures.copy(sources).then((copied) => {
    if (view.isDestroyed || !view.editable) return;
    const doc = new DOMParser().parseFromString(html, 'text/html');
    for (const img of doc.querySelectorAll('img[data-tavle-image]')) {
      const sha = img.getAttribute('data-tavle-image') ?? '';
      if (sources.has(sha) && !copied.has(sha)) img.remove();
    }
    view.pasteHTML(doc.body.innerHTML);
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
  /** Where the picture with this SHA-256 is read on this page. */
  imageUrl: (sha: string) => string;
  /** Pictures pasted or dropped into the text (none where the text is only read). */
  pictures?: PictureHandler;
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
      handlePaste: (view, event) => {
        // (A paste of HTML made here after its pictures were copied has no clipboard data.)
        if (!s.pictures || !event.clipboardData) return false;
        const files = pictureFiles(event.clipboardData);
        if (files.length) {
          s.pictures.files(files);
          return true;
        }
        const pasted = foreignPictures(event.clipboardData.getData('text/html'), s.imageUrl);
        if (pasted.sources.size === 0) return false;
        pasteWithPictures(view, pasted.html, pasted.sources, s.pictures);
        return true;
      },
      handleDrop: (view, event, _slice, moved) => {
        // A picture moved inside the text is ProseMirror's to move.
        if (moved || !s.pictures || !event.dataTransfer) return false;
        const files = pictureFiles(event.dataTransfer);
        const dropped = files.length ? null : foreignPictures(event.dataTransfer.getData('text/html'), s.imageUrl);
        if (!files.length && !dropped?.sources.size) return false;
        // What is dropped goes where it was dropped: the selection goes there first.
        const at = view.posAtCoords({ left: event.clientX, top: event.clientY });
        if (at) view.dispatch(view.state.tr.setSelection(Selection.near(view.state.doc.resolve(at.pos))));
        if (files.length) s.pictures.files(files);
        else if (dropped) pasteWithPictures(view, dropped.html, dropped.sources, s.pictures);
        return true;
      },
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
      ImageNode.configure({ imageUrl: (sha) => s.imageUrl(sha) }),
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
