/** Every long-lived component walks this lifecycle; match on it with ts-pattern. */
export type Lifecycle =
  | { readonly status: 'starting' }
  | { readonly status: 'running' }
  | { readonly status: 'draining' }
  | { readonly status: 'stopped' }
  | { readonly status: 'failed'; readonly error: Error };

/** Something that holds connections, files or timers and must be let go of. */
export interface Closeable {
  close(): Promise<void>;
}
