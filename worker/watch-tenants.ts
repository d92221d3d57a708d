import { unwatchFile, watchFile, type Stats } from 'node:fs';

export interface WatchTenantsFileOptions {
  /** The tenants file (WFM_TENANTS_FILE). */
  file: string;
  /** How often the file is looked at, in milliseconds (WFM_TENANTS_FILE_POLL_MS). */
  intervalMs: number;
  /** How long the file must stay unchanged before it is read, in milliseconds, so a write in progress is read whole. */
  debounceMs: number;
  /** Called once the file changed and then stayed unchanged for `debounceMs`. */
  onChange: () => void;
}

/**
 * Calls `onChange` when the tenants file changes: by polling its `stat` (`fs.watchFile`), which sees an edit in place,
 * a file replaced by a rename (editors, `mv`) and a Kubernetes config map's symlink swap alike, where `fs.watch` loses
 * a replaced file. Changes closer together than `debounceMs` are one change. Does not keep the process alive. Returns
 * the function that stops watching.
 */
export function watchTenantsFile({
  file,
  intervalMs,
  debounceMs,
  onChange,
}: WatchTenantsFileOptions): () => void {
  let timer: NodeJS.Timeout | undefined;
  const listener = (now: Stats, before: Stats) => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
    timer.unref();
  };
  watchFile(file, { interval: intervalMs, persistent: false }, listener);
  return () => {
    clearTimeout(timer);
    unwatchFile(file, listener);
  };
}
