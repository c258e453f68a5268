export { createMetrics } from './create-metrics.js';
export type { Metrics, MetricsSources, AlertDeliveryResult } from './create-metrics.js';
export { buildMetricsServer } from './metrics-server.js';
export { countAgentStates, type AgentCounts } from './agent-states.js';
export { createSecurityEventMetrics, type SecurityEventMetrics, type StreamBacklog, type DeliveryMethodLabel } from './security-event-metrics.js';
