/** Commands that ask a running broker (STS_URL, STS_ADMIN_KEY) through the admin API. */
import { AdminApiError, createAdminClient, type AdminClient } from './admin/index.js';
import { CliFailure, UsageError } from './cli-error.js';

export function liveBroker(env: NodeJS.ProcessEnv, offlineHint: string): AdminClient {
  const url = env.STS_URL;
  const key = env.STS_ADMIN_KEY;
  if (!url || !key) throw new UsageError(`set STS_URL and STS_ADMIN_KEY to ask the running broker, or ${offlineHint}`);
  return createAdminClient(url, key, fetch);
}

/** The broker's error as a CLI failure (its OAuth error code and HTTP status kept for --json). */
export async function callBroker<T>(call: () => Promise<unknown>): Promise<T> {
  try {
    return (await call()) as T;
  } catch (error) {
    if (error instanceof AdminApiError) throw new CliFailure(error.code, error.message, error.status);
    throw error;
  }
}
