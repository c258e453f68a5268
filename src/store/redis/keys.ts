/**
 * Key layout. Redis Cluster runs a multi-key script only when all its keys share a slot, so:
 * - `{g}`: the whole hot path (epoch, agent control, replay claims, token revocations) shares
 *   one slot. checkMint and checkToken are then single atomic scripts, and the epoch lives on
 *   the very node whose loss it detects.
 * - `{a:<agent>}`: one agent's activity counters; `{shadow}`, `{audit}`, `{keyring}`: their own.
 * Variable parts that come from callers are SHA-256 hashed or length-checked by the store.
 */
import { createHash } from 'node:crypto';

const h = (s: string) => createHash('sha256').update(s).digest('hex');

export function redisKeys(prefix: string) {
  return {
    epoch: `${prefix}{g}:epoch`,
    control: (agentId: string) => `${prefix}{g}:agent:${h(agentId)}`,
    replay: (key: string) => `${prefix}{g}:replay:${h(key)}`,
    revokedToken: (jti: string) => `${prefix}{g}:jti:${h(jti)}`,
    keyRing: `${prefix}{keyring}`,
    lease: (name: string) => `${prefix}lease:{${h(name)}}`,
    shadowData: `${prefix}{shadow}:data`,
    shadowSeen: `${prefix}{shadow}:seen`,
    audit: `${prefix}{audit}`,
    activityLast: (agentId: string) => `${prefix}{a:${h(agentId)}}:last`,
    activityHour: (agentId: string, outcome: string, bucket: number) => `${prefix}{a:${h(agentId)}}:${outcome}:${bucket}`,
    activityDenials: (agentId: string) => `${prefix}{a:${h(agentId)}}:denials`,
    channel: `${prefix}events`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
