export { createMetrics } from './create-metrics.js';
export type { Metrics, MetricsSources, AlertDeliveryResult } from './create-metrics.js';
export { buildMetricsServer } from './metrics-server.js';
export { countAgentStates, type AgentCounts } from './agent-states.js';
