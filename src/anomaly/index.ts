export { createAnomalyDetector, SUSPENDED_BY } from './detector.js';
export type { AnomalyDetector, AnomalyDetectorOptions } from './detector.js';
export { createMemoryAnomalyState } from './memory-state.js';
export { createRedisAnomalyState } from './redis-state.js';
export type { RedisAnomalyStateOptions } from './redis-state.js';
export type { AnomalyState, IssuedSnapshot, NoveltyDimension } from './state.js';
export { DEFAULT_DETECTION_SETTINGS, detectDenial, detectNovelty, detectVolume, volumeThreshold, median } from './detections.js';
export type { Detection, DetectionSettings } from './detections.js';
export { resolveRule, decideAction, DEFAULT_RULE } from './rules.js';
