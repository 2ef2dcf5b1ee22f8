/**
 * How LocalCloud starts a rented host's agent: in this process (a sim fleet) or as a
 * `ravel hvx` child process. The host's durable consumer exists before either is started.
 */
import type { Resources } from '../../hvx/hypervisor.ts';

export interface LaunchedHost {
  /** Stops the agent (and its process). */
  stop(): Promise<void>;
}

export interface HostLauncher {
  launch(host: string, size: Resources): Promise<LaunchedHost>;
}
