export { runAdminCli } from './run-admin-cli.js';
