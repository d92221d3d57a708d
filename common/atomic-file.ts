import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Folders of the stores: only the owner may list or enter them (plans name agents and their shifts). */
export const FOLDER_MODE = 0o700;
/** Files of the stores: only the owner may read them. */
export const FILE_MODE = 0o600;

/**
 * Writes `text` to `file` durably: a temporary file (owner-only), fsync, rename, fsync of the folder. A reader never
 * sees half a file, and a crash right after the call returns cannot lose it.
 */
export async function writeFileAtomically(file: string, text: string): Promise<void> {
  const folder = path.dirname(file);
  await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
  const temp = path.join(folder, `.${path.basename(file)}.${randomUUID()}.tmp`);
  await writeAndSync(temp, text, 'wx');
  await rename(temp, file);
  await syncFolder(folder);
}

/**
 * Creates `file` with `text` only if it does not exist yet, atomically (the OS decides the race): true when this call
 * created it. Two processes racing to create it cannot both succeed.
 */
export async function createFileExclusively(file: string, text: string): Promise<boolean> {
  const folder = path.dirname(file);
  await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
  // Written whole under a temporary name first, then linked into place only if the name is free: no reader ever
  // sees a half-written file under the final name.
  const temp = path.join(folder, `.${path.basename(file)}.${randomUUID()}.tmp`);
  await writeAndSync(temp, text, 'wx');
  try {
    await link(temp, file);
    await syncFolder(folder);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(temp);
  }
}

async function writeAndSync(file: string, text: string, flags: string): Promise<void> {
  const handle = await open(file, flags, FILE_MODE);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A folder of ours that group or others may enter is made owner-only (0700); one of another user is left alone. */
export async function makeOwnerOnly(folder: string): Promise<void> {
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory() || (info.mode & 0o077) === 0) return;
  if (typeof process.getuid === 'function' && info.uid !== process.getuid()) return;
  await chmod(folder, FOLDER_MODE);
}
