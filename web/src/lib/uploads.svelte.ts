// Uploading files into a folder, with progress per file and resume.
//
// Files up to 1 MB go in one PUT. Larger ones use tus 1.0 (`/api/v1/drive/uploads`): the
// upload is sent in 8 MiB parts, and when the connection drops it continues from where the
// server says it stands, automatically a few times and then when the person presses
// "Resume". The upload's address is remembered per file (folder, name, size, date) in
// localStorage, so choosing the same file again after a reload resumes it too. Three files
// go at once.

import { ApiError, apiError, call, csrfToken } from './api';
import type { DriveNode, NodeDetail } from './drive';

const SMALL = 1_000_000;
const PART = 8 * 1024 * 1024;
const PARALLEL = 3;
const RETRIES = [1000, 2000, 4000];
const TUS = { 'tus-resumable': '1.0.0' };

export type UploadStatus = 'waiting' | 'sending' | 'paused' | 'done' | 'failed' | 'cancelled';

export class UploadItem {
  readonly file: File;
  readonly folderId: string;
  sent = $state(0);
  status = $state<UploadStatus>('waiting');
  error = $state<unknown>(null);
  /** Set when an earlier, interrupted upload of this file was continued. */
  resumedAt = $state(0);
  url = '';
  xhr: XMLHttpRequest | null = null;
  attempts = 0;

  constructor(file: File, folderId: string) {
    this.file = file;
    this.folderId = folderId;
  }

  get name() {
    return this.file.name;
  }
  get size() {
    return this.file.size;
  }
  get fingerprint() {
    return `tavle.upload:${this.folderId}:${this.file.name}:${this.file.size}:${this.file.lastModified}`;
  }
}

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

function remembered(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
function remember(key: string, value: string | null) {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Without storage, a reload starts the file over; resuming within the page still works.
  }
}

/** A request whose failure to reach the server is worth retrying. */
const transient = (e: unknown) => e instanceof ApiError && (e.status === 0 || e.status >= 500);

export class Uploads {
  items = $state<UploadItem[]>([]);
  /** Called with each finished file. */
  onDone: (node: DriveNode | null, item: UploadItem) => void = () => {};

  add(files: Iterable<File>, folderId: string) {
    for (const f of files) this.items.push(new UploadItem(f, folderId));
    this.pump();
  }

  get active() {
    return this.items.filter((i) => i.status === 'waiting' || i.status === 'sending').length;
  }

  /** Forgets finished, failed and cancelled uploads. */
  clear() {
    this.items = this.items.filter((i) => i.status === 'waiting' || i.status === 'sending' || i.status === 'paused');
  }

  resume(item: UploadItem) {
    if (item.status !== 'paused' && item.status !== 'failed') return;
    item.status = 'waiting';
    item.error = null;
    item.attempts = 0;
    this.pump();
  }

  async cancel(item: UploadItem) {
    item.status = 'cancelled';
    item.xhr?.abort();
    remember(item.fingerprint, null);
    if (item.url) await fetch(item.url, { method: 'DELETE', headers: { ...TUS, 'x-csrf-token': csrfToken() } }).catch(() => {});
  }

  private pump() {
    let running = this.items.filter((i) => i.status === 'sending').length;
    for (const item of this.items) {
      if (running >= PARALLEL) break;
      if (item.status !== 'waiting') continue;
      item.status = 'sending';
      running++;
      this.run(item).finally(() => this.pump());
    }
  }

  private async run(item: UploadItem) {
    for (;;) {
      try {
        const node = item.size <= SMALL ? await this.put(item) : await this.tus(item);
        if (item.status !== 'sending') return;
        item.sent = item.size;
        item.status = 'done';
        remember(item.fingerprint, null);
        this.onDone(node, item);
        return;
      } catch (e) {
        if (item.status === 'cancelled') return;
        if (transient(e) && item.attempts < RETRIES.length) {
          await new Promise((r) => setTimeout(r, RETRIES[item.attempts++]));
          if (item.status !== 'sending') return;
          continue;
        }
        item.error = e;
        if (transient(e)) {
          item.status = 'paused';
        } else {
          item.status = 'failed';
          remember(item.fingerprint, null);
          item.url = '';
        }
        return;
      }
    }
  }

  private async put(item: UploadItem): Promise<DriveNode> {
    const path = `/api/v1/drive/nodes/${encodeURIComponent(item.folderId)}/files/${encodeURIComponent(item.name)}`;
    return call<DriveNode>('PUT', path, item.file);
  }

  private async tus(item: UploadItem): Promise<DriveNode | null> {
    let offset = -1;
    item.url ||= remembered(item.fingerprint) ?? '';
    if (item.url) {
      const head = await fetch(item.url, { method: 'HEAD', headers: TUS }).catch(() => null);
      if (head === null) throw new ApiError(0, 'offline', '');
      if (head.ok) {
        offset = Number(head.headers.get('upload-offset') ?? '-1');
        if (offset > 0 && item.resumedAt === 0 && item.sent === 0) item.resumedAt = offset;
      } else {
        item.url = '';
      }
    }
    if (!item.url) {
      const meta = `folder ${b64(item.folderId)},filename ${b64(item.name)}`;
      const resp = await fetch('/api/v1/drive/uploads', {
        method: 'POST',
        headers: { ...TUS, 'upload-length': String(item.size), 'upload-metadata': meta, 'x-csrf-token': csrfToken() },
      }).catch(() => null);
      if (resp === null) throw new ApiError(0, 'offline', '');
      if (!resp.ok) throw apiError(resp.status, await resp.json().catch(() => ({})), resp.statusText);
      item.url = resp.headers.get('location') ?? '';
      remember(item.fingerprint, item.url);
      offset = 0;
    }
    item.sent = offset;
    let nodeId = '';
    while (offset < item.size || item.size === 0) {
      const end = Math.min(offset + PART, item.size);
      const last = end === item.size;
      const answer = await this.patch(item, offset, item.file.slice(offset, end), last);
      offset = answer.offset;
      item.sent = offset;
      if (answer.nodeId) nodeId = answer.nodeId;
      if (item.size === 0) break;
    }
    item.attempts = 0;
    if (!nodeId) return null;
    return (await call<NodeDetail>('GET', `/api/v1/drive/nodes/${encodeURIComponent(nodeId)}`)).node;
  }

  /** One PATCH with upload progress (fetch cannot report it). */
  private patch(item: UploadItem, offset: number, part: Blob, last: boolean) {
    return new Promise<{ offset: number; nodeId: string }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      item.xhr = xhr;
      xhr.open('PATCH', item.url);
      xhr.setRequestHeader('tus-resumable', '1.0.0');
      xhr.setRequestHeader('upload-offset', String(offset));
      xhr.setRequestHeader('content-type', 'application/offset+octet-stream');
      xhr.setRequestHeader('x-csrf-token', csrfToken());
      if (last && item.file.lastModified) xhr.setRequestHeader('x-oc-mtime', String(Math.floor(item.file.lastModified / 1000)));
      xhr.upload.onprogress = (e) => {
        item.sent = offset + e.loaded;
      };
      xhr.onload = () => {
        item.xhr = null;
        if (xhr.status === 204) {
          resolve({ offset: Number(xhr.getResponseHeader('upload-offset')), nodeId: xhr.getResponseHeader('tavle-node-id') ?? '' });
        } else {
          let body: unknown = {};
          try {
            body = JSON.parse(xhr.responseText);
          } catch {
            // Not JSON: the status says enough.
          }
          reject(apiError(xhr.status, body, xhr.statusText));
        }
      };
      xhr.onerror = xhr.onabort = () => {
        item.xhr = null;
        // What the browser sent may not have arrived; the server says where it stands.
        item.sent = offset;
        reject(new ApiError(0, 'offline', ''));
      };
      xhr.send(part);
    });
  }
}
