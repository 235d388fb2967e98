// Exporting a 20-page document, against pandoc converting the same content.
//
//   node export.mjs URL OUT.json [runs=10]
//
// Makes a document of about 20 pages (20 sections, each a heading, four paragraphs of about
// 120 words with bold and italic, a five-item list; two 10-row tables) in Tavle through its
// socket as the editor would write it (one Yjs update), waits for it to be stored, then times
// `GET /api/v1/documents/{id}/export/{odt,docx,pdf}` (the whole answer read), and pandoc 2.x
// converting the same content from Markdown to ODT and DOCX (a process each, as a server
// would run it), median of `runs` each. For PDF the peer is LibreOffice (`soffice --headless
// --convert-to pdf` of pandoc's ODT, median of 3): pandoc makes PDF only through a TeX engine,
// which is not installed here, and LibreOffice is what a school's server would otherwise run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';

const [url, out, ...rest] = process.argv.slice(2);
const opts = Object.fromEntries(rest.map((a) => a.split('=')));
const runs = Number(opts.runs ?? 10);

const WORDS = 'vikingerne sejlede over havet til Ærø og Åse fortalte om skibene som blev bygget af eg og fyr'.split(' ');
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const sentence = (n) => Array.from({ length: n }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(' ');

// The content once, as blocks both writers below render.
const sections = Array.from({ length: 20 }, (_, s) => ({
  heading: `Kapitel ${s + 1}: ${sentence(4)}`,
  paragraphs: Array.from({ length: 4 }, () => [sentence(50), sentence(3), sentence(40), sentence(3), sentence(24)]),
  items: Array.from({ length: 5 }, () => sentence(8)),
  table: s % 10 === 9 ? Array.from({ length: 10 }, (_, r) => [`Række ${r + 1}`, sentence(3), String(r * 7)]) : null,
}));

function yjsDocument() {
  const doc = new Y.Doc();
  const frag = doc.getXmlFragment('default');
  const el = (tag, children, attrs = {}) => {
    const e = new Y.XmlElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    e.insert(0, children);
    return e;
  };
  const text = (parts) => {
    const t = new Y.XmlText();
    let at = 0;
    for (const [s, marks] of parts) {
      t.insert(at, s, marks);
      at += s.length;
    }
    return t;
  };
  const blocks = [];
  for (const s of sections) {
    blocks.push(el('heading', [text([[s.heading, {}]])], { level: 2 }));
    for (const [a, b, c, d, e] of s.paragraphs) {
      blocks.push(el('paragraph', [text([[a + ' ', {}], [b, { bold: {} }], [' ' + c + ' ', {}], [d, { italic: {} }], [' ' + e + '.', {}]])]));
    }
    blocks.push(el('bulletList', s.items.map((i) => el('listItem', [el('paragraph', [text([[i, {}]])])]))));
    if (s.table) {
      blocks.push(el('table', s.table.map((row, r) => el('tableRow', row.map((c) => el(r === 0 ? 'tableHeader' : 'tableCell', [el('paragraph', [text([[c, {}]])])]))))));
    }
  }
  frag.insert(0, blocks);
  return doc;
}

function markdown() {
  let md = '';
  for (const s of sections) {
    md += `## ${s.heading}\n\n`;
    for (const [a, b, c, d, e] of s.paragraphs) md += `${a} **${b}** ${c} *${d}* ${e}.\n\n`;
    for (const i of s.items) md += `- ${i}\n`;
    md += '\n';
    if (s.table) {
      md += `| ${s.table[0].join(' | ')} |\n|${s.table[0].map(() => '---').join('|')}|\n`;
      for (const row of s.table.slice(1)) md += `| ${row.join(' | ')} |\n`;
      md += '\n';
    }
  }
  return md;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const login = await fetch(`${url}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'elev1', password: 'demo' }),
  });
  const cookie = login.headers.getSetCookie()[0].split(';')[0];
  const { csrf_token: csrf } = await login.json();
  const headers = { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' };
  const spaces = await (await fetch(`${url}/api/v1/drive/spaces`, { headers })).json();
  const made = await fetch(`${url}/api/v1/drive/nodes/${spaces[0].root_id}/documents`, {
    method: 'POST', headers, body: JSON.stringify({ name: 'Tyve sider' }),
  });
  const { id } = await made.json();

  // The content as one change over the socket; done when Tavle says it is stored.
  const doc = yjsDocument();
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/documents/${id}/socket`, { headers: { cookie, origin: url } });
  ws.binaryType = 'arraybuffer';
  await new Promise((ok, fail) => { ws.on('open', ok); ws.on('error', fail); });
  const stored = new Promise((ok) => ws.on('message', (data) => {
    const d = decoding.createDecoder(new Uint8Array(data));
    if (decoding.readVarUint(d) === 100 && decoding.readVarUint(d) === 0 && decoding.readVarUint(d) >= 1) ok();
  }));
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  syncProtocol.writeUpdate(e, Y.encodeStateAsUpdate(doc));
  ws.send(encoding.toUint8Array(e));
  await stored;
  ws.close();

  const result = { bench: 'export', words: markdown().split(/\s+/).length, state_bytes: Y.encodeStateAsUpdate(doc).length };
  for (const format of ['odt', 'docx', 'pdf']) {
    const times = [];
    let bytes = 0;
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      const r = await fetch(`${url}/api/v1/documents/${id}/export/${format}`, { headers });
      const body = await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`export ${format}: ${r.status}`);
      if (i > 0) times.push(performance.now() - t0); // the first is a warm-up
      bytes = body.byteLength;
    }
    result[`tavle_${format}_ms`] = median(times);
    result[`tavle_${format}_bytes`] = bytes;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tavle-export-'));
  writeFileSync(join(dir, 'in.md'), markdown());
  for (const format of ['odt', 'docx']) {
    const times = [];
    for (let i = 0; i <= runs; i++) {
      const t0 = performance.now();
      const p = spawnSync('pandoc', ['-f', 'markdown', '-t', format, '-o', join(dir, `out.${format}`), join(dir, 'in.md')]);
      if (p.status !== 0) throw new Error(`pandoc ${format}: ${p.stderr}`);
      if (i > 0) times.push(performance.now() - t0);
    }
    result[`pandoc_${format}_ms`] = median(times);
  }
  result.pandoc = spawnSync('pandoc', ['--version']).stdout.toString().split('\n')[0];
  const profile = `-env:UserInstallation=file://${join(dir, 'lo-profile')}`;
  const pdfTimes = [];
  for (let i = 0; i <= 3; i++) {
    const t0 = performance.now();
    const p = spawnSync('soffice', [profile, '--headless', '--convert-to', 'pdf', '--outdir', join(dir, 'pdf'), join(dir, 'out.odt')]);
    if (p.status !== 0) throw new Error(`soffice pdf: ${p.stderr}`);
    if (i > 0) pdfTimes.push(performance.now() - t0); // the first makes LibreOffice's profile
  }
  result.libreoffice_pdf_ms = median(pdfTimes);
  result.libreoffice = spawnSync('soffice', ['--version']).stdout.toString().trim();
  writeFileSync(out, JSON.stringify(result));
  console.log(JSON.stringify(result));
}

main().catch((e) => { console.error(e); process.exit(1); });
