export { createMetrics, REQUEST_BUCKETS, STORE_BUCKETS } from './create-metrics.js';
export type { Metrics, MetricsOptions, MetricsSources, AlertDeliveryResult } from './create-metrics.js';
export { buildMetricsServer } from './metrics-server.js';
export { countAgentStates, type AgentCounts } from './agent-states.js';
export { issuedLabels, reasonLabel, tierLabel, grantLabel, OTHER } from './labels.js';
