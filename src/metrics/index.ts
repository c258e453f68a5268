export { createMetrics } from './create-metrics.js';
export type { Metrics, MetricsSources, AlertDeliveryResult } from './create-metrics.js';
export { buildMetricsServer } from './metrics-server.js';
export { countAgentStates, AGENT_STATES } from './agent-states.js';
export type { AgentStateLabel } from './agent-states.js';
