import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The object store behind Genesys' signed URLs (§1 #5, §7.4, §7.9): an upload URL accepts one PUT carrying exactly
 * the headers handed out with it and exactly the declared byte length; a download URL serves one document. Neither
 * takes a bearer token. Refusals are storage-style (XML, no correlation id), not Genesys `ErrorBody`s.
 */
export interface Upload {
  uploadKey: string;
  scheduleKey: string;
  contentLengthBytes: number;
  headers: Record<string, string>;
  expiresAtMs: number;
  body?: Buffer;
  used: boolean;
}

export class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  get xml(): string {
    return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${this.code}</Code><Message>${this.message}</Message></Error>`;
  }
}

/** The headers every upload URL requires (names and values are our choice: the reference leaves them open, §1.2). */
const UPLOAD_HEADERS = {
  'Content-Type': 'application/json',
  'Content-Encoding': 'gzip',
  'x-amz-server-side-encryption': 'AES256',
};

export class SignedStorage {
  readonly uploads = new Map<string, Upload>();
  private readonly uploadsByPath = new Map<string, Upload>();
  private readonly downloads = new Map<string, { json: string; expiresAtMs: number }>();
  private readonly secret = randomBytes(32);

  constructor(
    private readonly now: () => Date,
    private readonly lifetimeMs: () => number,
  ) {}

  createUpload(origin: string, scheduleKey: string, contentLengthBytes: number): Upload & { url: string } {
    const id = randomBytes(16).toString('hex');
    const upload: Upload = {
      uploadKey: `userUploads/schedule/update/${id}.json.gz`,
      scheduleKey,
      contentLengthBytes,
      headers: { ...UPLOAD_HEADERS },
      expiresAtMs: this.now().getTime() + this.lifetimeMs(),
      used: false,
    };
    this.uploads.set(upload.uploadKey, upload);
    const path = `/_storage/uploads/${id}`;
    this.uploadsByPath.set(path, upload);
    return { ...upload, url: `${origin}${this.sign(path, upload.expiresAtMs)}` };
  }

  /** A signed URL for `document`, valid for the storage lifetime. */
  createDownload(origin: string, document: unknown): string {
    const path = `/_storage/downloads/${randomBytes(16).toString('hex')}`;
    const expiresAtMs = this.now().getTime() + this.lifetimeMs();
    this.downloads.set(path, { json: JSON.stringify(document), expiresAtMs });
    return `${origin}${this.sign(path, expiresAtMs)}`;
  }

  /** A `PUT` to an upload URL: stores the bytes, or throws the storage's refusal. */
  put(req: IncomingMessage, url: URL, body: Buffer): void {
    this.verify(req, url);
    const upload = this.uploadsByPath.get(url.pathname);
    if (!upload) throw new StorageError(404, 'NoSuchUpload', 'The specified upload does not exist.');
    if (req.headers['content-length'] === undefined)
      throw new StorageError(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
    // The signature covers the declared length and the returned headers: any difference is a signature mismatch.
    const wrong = Object.entries(upload.headers).find(
      ([name, value]) => req.headers[name.toLowerCase()] !== value,
    );
    if (wrong || body.length !== upload.contentLengthBytes)
      throw new StorageError(
        403,
        'SignatureDoesNotMatch',
        wrong
          ? `The request signature we calculated does not match the signature you provided (header ${wrong[0]}).`
          : `The request signature we calculated does not match the signature you provided (Content-Length ${body.length}, signed ${upload.contentLengthBytes}).`,
      );
    upload.body = body;
  }

  /** A `GET` of a download URL: the document's JSON text. */
  get(req: IncomingMessage, url: URL): string {
    this.verify(req, url);
    const download = this.downloads.get(url.pathname);
    if (!download) throw new StorageError(404, 'NoSuchKey', 'The specified key does not exist.');
    return download.json;
  }

  private sign(path: string, expiresAtMs: number): string {
    const expires = String(Math.floor(expiresAtMs / 1000));
    return `${path}?X-Amz-Expires=${expires}&X-Amz-Signature=${this.signature(path, expires)}`;
  }

  private signature(path: string, expires: string): string {
    return createHmac('sha256', this.secret).update(`${path}\n${expires}`).digest('hex');
  }

  private verify(req: IncomingMessage, url: URL): void {
    // A presigned URL is its own credential: S3 refuses a second auth mechanism.
    if (req.headers.authorization !== undefined)
      throw new StorageError(400, 'InvalidArgument', 'Only one auth mechanism allowed.');
    const expires = url.searchParams.get('X-Amz-Expires') ?? '';
    const given = Buffer.from(url.searchParams.get('X-Amz-Signature') ?? '');
    const expected = Buffer.from(this.signature(url.pathname, expires));
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new StorageError(403, 'SignatureDoesNotMatch', 'The request signature does not match.');
    if (Number(expires) * 1000 <= this.now().getTime())
      throw new StorageError(403, 'AccessDenied', 'Request has expired');
  }
}
