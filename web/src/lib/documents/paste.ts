// Pasted HTML (from Word, Google Docs, web pages) made fit for the editor under Tavle's
// Content-Security-Policy, before ProseMirror parses it against the schema.
//
// `style-src 'self'` blocks every style attribute, even in the detached documents ProseMirror
// parses clipboard HTML in: each one is a CSP violation in the console, and the styles never
// reach `element.style`, where the marks' parse rules look for them. So Google Docs' bold
// (`<span style="font-weight:700">`) was lost, and its `<b style="font-weight:normal">` wrapper
// made everything bold. Here the style attributes are renamed before anything parses them, the
// few that mean something in a Tavle document become elements (bold, italic, underline, strike)
// or the cell's `align`, and all styles and classes are dropped: the schema keeps none.
// Pictures other than Tavle's own (`img[data-tavle-image]`: a web page's, Word's `data:` ones)
// are dropped too: the schema takes none of them, and their addresses are not the page's.

const STYLE_ATTRIBUTE = /(\s)style(\s*=)/gi;
const ALIGNS = ['left', 'center', 'right'];

/** A style attribute's declarations, lower case: `font-weight:700; color:red` → a map. */
function declarations(style: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of style.split(';')) {
    const at = d.indexOf(':');
    if (at > 0) out.set(d.slice(0, at).trim().toLowerCase(), d.slice(at + 1).trim().toLowerCase());
  }
  return out;
}

/** Moves an element's children into a new element `tag` inside it. */
function wrapContents(el: Element, tag: string) {
  const wrapper = el.ownerDocument.createElement(tag);
  wrapper.append(...el.childNodes);
  el.append(wrapper);
}

/** Replaces an element by its children. */
function unwrap(el: Element) {
  el.replaceWith(...el.childNodes);
}

export function cleanPastedHTML(html: string): string {
  const renamed = html
    // Word's style sheets: nothing here reads them, and an inline one is a CSP violation too.
    .replace(/<style[\s\S]*?<\/style\s*>/gi, '')
    // Inside tags only, so text that mentions "style=" is left alone.
    .replace(/<[a-z][^>]*>/gi, (tag) => tag.replace(STYLE_ATTRIBUTE, '$1data-style$2'));
  const doc = new DOMParser().parseFromString(renamed, 'text/html');
  for (const el of [...doc.body.querySelectorAll('[data-style]')]) {
    const s = declarations(el.getAttribute('data-style') ?? '');
    el.removeAttribute('data-style');
    const tag = el.tagName.toLowerCase();
    const weight = s.get('font-weight') ?? '';
    const italic = s.get('font-style');
    const decoration = `${s.get('text-decoration') ?? ''} ${s.get('text-decoration-line') ?? ''}`;
    const align = s.get('text-align') ?? '';
    if ((tag === 'td' || tag === 'th') && ALIGNS.includes(align)) el.setAttribute('align', align);
    if (decoration.includes('underline')) wrapContents(el, 'u');
    if (decoration.includes('line-through')) wrapContents(el, 's');
    if (italic === 'italic') wrapContents(el, 'em');
    if (/^(bold(er)?|[5-9]\d\d)$/.test(weight)) wrapContents(el, 'strong');
    // Google Docs wraps all it copies in <b style="font-weight:normal">: not bold at all.
    if ((tag === 'b' && /^(normal|[1-4]\d\d)$/.test(weight)) || (tag === 'i' && italic === 'normal')) unwrap(el);
  }
  // A cell's alignment as the editor renders it (copied from another Tavle document).
  for (const el of doc.body.querySelectorAll('td[class], th[class]')) {
    const align = ALIGNS.find((a) => el.classList.contains(`align-${a}`));
    if (align && !el.hasAttribute('align')) el.setAttribute('align', align);
  }
  for (const img of doc.body.querySelectorAll('img:not([data-tavle-image])')) img.remove();
  // Classes mean nothing here, and the link mark would keep one.
  for (const el of doc.body.querySelectorAll('[class]')) el.removeAttribute('class');
  return doc.body.innerHTML;
}
