export { runAdminCli, type AdminCliIo } from './run-admin-cli.js';
export { createAdminClient, AdminApiError, type AdminClient } from './client.js';
