export { createAnomalyDetector, SUSPENDED_BY } from './detector.js';
export type { AnomalyDetector } from './detector.js';
export { createMemoryAnomalyState } from './memory-state.js';
export { createRedisAnomalyState } from './redis-state.js';
export type { AnomalyState } from './state.js';
export { DEFAULT_DETECTION_SETTINGS, detectVolume, volumeThreshold } from './detections.js';
export { resolveRule } from './rules.js';
