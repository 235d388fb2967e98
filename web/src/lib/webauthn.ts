// Passkeys (WebAuthn) in the browser: the server's options (webauthn-rs's JSON, every binary
// field in base64url without padding) made into what navigator.credentials.create() and get()
// take, and the browser's answer made back into JSON for the server. Written out here rather
// than with PublicKeyCredential.parseCreationOptionsFromJSON()/toJSON(), which older browsers
// lack.

/** A ceremony begun by the server: send `ceremony` back with the browser's answer. */
export interface PasskeyChallenge {
  ceremony: string;
  options: { publicKey?: Record<string, unknown>; [k: string]: unknown };
}

/** A passkey's answer as JSON (what the server reads). */
export type CredentialJSON = Record<string, unknown>;

/** Whether this browser can use passkeys at all. */
export function passkeysSupported(): boolean {
  return (
    typeof window !== 'undefined' &&
    typeof window.PublicKeyCredential === 'function' &&
    typeof navigator.credentials?.create === 'function' &&
    typeof navigator.credentials?.get === 'function'
  );
}

/** base64url (padding optional) to bytes. */
export function fromBase64url(text: string): ArrayBuffer {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/** Bytes to base64url without padding. */
export function toBase64url(data: ArrayBuffer | ArrayBufferView): string {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A copy of a JSON value without the fields that are null or undefined (at any depth): the
 * browser refuses a null where it wants, say, one of a few words. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(withoutNulls);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = withoutNulls(v);
    return out;
  }
  return value;
}

type Json = Record<string, unknown>;

function publicKeyOf(options: PasskeyChallenge['options']): Json {
  const pk = options?.publicKey;
  if (!pk || typeof pk !== 'object') throw new TypeError('The server sent no publicKey options.');
  // `hints` is new in WebAuthn level 3 and not every browser takes it.
  const { hints: _hints, ...rest } = withoutNulls(pk) as Json;
  return rest;
}

const descriptors = (list: unknown) =>
  Array.isArray(list)
    ? list.map((c: Json) => ({ ...c, type: (c.type as string) ?? 'public-key', id: fromBase64url(c.id as string) }))
    : undefined;

/** The server's options for creating a passkey, as `navigator.credentials.create()` takes them. */
export function creationOptions(options: PasskeyChallenge['options']): CredentialCreationOptions {
  const pk = publicKeyOf(options);
  const user = pk.user as Json;
  const publicKey = {
    ...pk,
    challenge: fromBase64url(pk.challenge as string),
    user: { ...user, id: fromBase64url(user.id as string) },
  } as Json;
  const exclude = descriptors(pk.excludeCredentials);
  if (exclude) publicKey.excludeCredentials = exclude;
  return { publicKey: publicKey as unknown as PublicKeyCredentialCreationOptions };
}

/** The server's options for using a passkey, as `navigator.credentials.get()` takes them
 * (without `mediation`: the app asks from a button, never from a form's autofill). */
export function requestOptions(options: PasskeyChallenge['options']): CredentialRequestOptions {
  const pk = publicKeyOf(options);
  const publicKey = { ...pk, challenge: fromBase64url(pk.challenge as string) } as Json;
  const allow = descriptors(pk.allowCredentials);
  if (allow) publicKey.allowCredentials = allow;
  return { publicKey: publicKey as unknown as PublicKeyCredentialRequestOptions };
}

/** A new passkey (the answer of `create()`) as JSON. */
export function creationJSON(cred: PublicKeyCredential): CredentialJSON {
  const r = cred.response as AuthenticatorAttestationResponse;
  const response: Json = {
    attestationObject: toBase64url(r.attestationObject),
    clientDataJSON: toBase64url(r.clientDataJSON),
  };
  const transports = typeof r.getTransports === 'function' ? r.getTransports() : undefined;
  if (transports?.length) response.transports = transports;
  return { id: cred.id, rawId: toBase64url(cred.rawId), type: cred.type, response };
}

/** A passkey's signature (the answer of `get()`) as JSON. */
export function requestJSON(cred: PublicKeyCredential): CredentialJSON {
  const r = cred.response as AuthenticatorAssertionResponse;
  return {
    id: cred.id,
    rawId: toBase64url(cred.rawId),
    type: cred.type,
    response: {
      authenticatorData: toBase64url(r.authenticatorData),
      clientDataJSON: toBase64url(r.clientDataJSON),
      signature: toBase64url(r.signature),
      userHandle: r.userHandle && r.userHandle.byteLength ? toBase64url(r.userHandle) : null,
    },
  };
}

/** Makes a passkey with the browser for the server's challenge; its answer as JSON. */
export async function createPasskey(challenge: PasskeyChallenge): Promise<CredentialJSON> {
  const cred = await navigator.credentials.create(creationOptions(challenge.options));
  if (!cred) throw new DOMException('No passkey was made.', 'NotAllowedError');
  return creationJSON(cred as PublicKeyCredential);
}

/** Signs the server's challenge with one of the person's passkeys; the answer as JSON. */
export async function usePasskey(challenge: PasskeyChallenge): Promise<CredentialJSON> {
  const cred = await navigator.credentials.get(requestOptions(challenge.options));
  if (!cred) throw new DOMException('No passkey was used.', 'NotAllowedError');
  return requestJSON(cred as PublicKeyCredential);
}

/** Whether the person closed the browser's passkey dialog (or it timed out): nothing to say. */
export function cancelled(err: unknown): boolean {
  return err instanceof DOMException && (err.name === 'NotAllowedError' || err.name === 'AbortError');
}

/** Whether the authenticator already holds a passkey of this person for Tavle. */
export function alreadyThere(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'InvalidStateError';
}

/** Whether the browser said no, as opposed to the server (an ApiError). */
export function browserRefusal(err: unknown): boolean {
  return err instanceof DOMException || err instanceof TypeError;
}
