// Pictures in a Tavle document: the `image` node of the editor's schema, and which files are
// pictures a document takes.
//
// The node names its picture by the SHA-256 of the file (`image`), which is how the server finds
// the bytes among those the document may show; where they are fetched from depends on the page
// (a live document, an older version of it, a document handed in), so the editor is given
// `imageUrl`. It keeps its description for those who cannot see it (`alt`) and the width a
// person gave it (`width`, CSS pixels; none yet: the page's width caps it). No `src` and no
// style: the page's CSP allows no style attribute, and a picture from elsewhere (a web page,
// Word's `data:` URLs) never becomes a node: only `img[data-tavle-image]` is read from HTML.
// Nothing of the app's is imported here, as in the rest of the editor's own code: Pictures.svelte
// sends the files.

import { Node } from '@tiptap/core';
import { NodeSelection, Plugin, PluginKey, Selection, type Transaction } from '@tiptap/pm/state';

/** The picture files a document takes, and the most it takes of one. */
export const PICTURE_TYPES = ['image/png', 'image/jpeg'];
export const MAX_PICTURE_BYTES = 10 * 1024 * 1024;

/** A SHA-256 in lower-case hex, as the node keeps it. */
export const SHA256 = /^[0-9a-f]{64}$/;

/** Where a live document's pictures are sent (POST) and read (`…/{sha}`). */
export const documentPictures = (documentId: string) => `/api/v1/documents/${encodeURIComponent(documentId)}/images`;

/** A file's picture type: what the browser says, or its name's (a file from some systems comes
 * without a type); null for anything but PNG and JPEG. */
export function pictureType(file: File): string | null {
  if (PICTURE_TYPES.includes(file.type)) return file.type;
  if (file.type && file.type !== 'application/octet-stream') return null;
  const ext = file.name.toLowerCase().split('.').pop();
  return ext === 'png' ? 'image/png' : ext === 'jpg' || ext === 'jpeg' ? 'image/jpeg' : null;
}

/** Whether a drive file's name is that of a PNG or JPEG picture. */
export const isPictureName = (name: string) => /\.(png|jpe?g)$/i.test(name);

/** With a picture selected, puts the caret after it instead (in a paragraph of its own when
 * nothing follows it there): ProseMirror leaves a picture it inserted last selected, where the
 * next letter typed would replace it. Says whether it did. */
export function caretAfterPicture(tr: Transaction): boolean {
  const sel = tr.selection;
  if (!(sel instanceof NodeSelection) || sel.node.type.name !== 'image') return false;
  const after = tr.doc.resolve(sel.to);
  const paragraph = tr.doc.type.schema.nodes.paragraph;
  if (!after.nodeAfter && paragraph && after.parent.canReplaceWith(after.index(), after.index(), paragraph)) {
    tr.insert(sel.to, paragraph.create());
  }
  tr.setSelection(Selection.near(tr.doc.resolve(sel.to), 1));
  return true;
}

export interface ImageOptions {
  /** Where the picture with this SHA-256 is read, on this page. */
  imageUrl: (sha: string) => string;
}

export interface ImageAttributes {
  image: string;
  alt: string | null;
  width: number | null;
}

export const ImageNode = Node.create<ImageOptions>({
  name: 'image',
  group: 'block',
  inline: false,
  atom: true,
  draggable: true,
  selectable: true,

  addOptions() {
    return { imageUrl: () => '' };
  },

  addAttributes() {
    return {
      image: {
        isRequired: true,
        default: undefined,
        rendered: false,
        parseHTML: (el: HTMLElement) => el.getAttribute('data-tavle-image'),
      },
      alt: {
        default: null,
        rendered: false,
        parseHTML: (el: HTMLElement) => el.getAttribute('alt') || null,
      },
      width: {
        default: null,
        rendered: false,
        parseHTML: (el: HTMLElement) => {
          const w = Number.parseInt(el.getAttribute('width') ?? '', 10);
          return Number.isFinite(w) && w > 0 ? w : null;
        },
      },
    };
  },

  parseHTML() {
    return [
      {
        tag: 'img[data-tavle-image]',
        // A hash that is not one names no picture: such an <img> is left out.
        getAttrs: (el) => (SHA256.test((el as HTMLElement).getAttribute('data-tavle-image') ?? '') ? null : false),
      },
    ];
  },

  addProseMirrorPlugins() {
    return [
      new Plugin({
        key: new PluginKey('tavlePictureCaret'),
        // After a paste that ends with a picture, the caret goes after it.
        appendTransaction: (transactions, _before, state) => {
          if (!transactions.some((tr) => tr.getMeta('paste'))) return null;
          const tr = state.tr;
          return caretAfterPicture(tr) ? tr : null;
        },
      }),
    ];
  },

  renderHTML({ node }) {
    const { image, alt, width } = node.attrs as ImageAttributes;
    const attrs: Record<string, string> = {
      src: this.options.imageUrl(image),
      alt: alt ?? '',
      'data-tavle-image': image,
    };
    if (typeof width === 'number' && width > 0) attrs.width = String(Math.round(width));
    return ['img', attrs];
  },
});
