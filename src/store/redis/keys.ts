/**
 * Key layout. Redis Cluster runs a multi-key script only when all its keys share a slot, so:
 * - `{g}`: the whole hot path (epoch, agent control, replay claims, token revocations, request
 *   counters) shares
 *   one slot. checkMint and checkToken are then single atomic scripts, and the epoch lives on
 *   the very node whose loss it detects.
 * - `{a:<agent>}`: one agent's activity counters; `{shadow}`, `{audit}`, `{keyring}`: their own.
 * Variable parts that come from callers are SHA-256 hashed or length-checked by the store.
 */
import { hash } from 'node:crypto';

const h = (s: string) => hash('sha256', s, 'hex');

/**
 * Agent ids and client addresses repeat on every request and are few at a time (agents are
 * bounded by the policy): their hashes are memoised, each in a bounded map.
 */
function memoisedHash(max: number): (value: string) => string {
  const hashes = new Map<string, string>();
  return (value) => {
    let hashed = hashes.get(value);
    if (hashed === undefined) {
      hashed = h(value);
      if (hashes.size >= max) hashes.clear();
      hashes.set(value, hashed);
    }
    return hashed;
  };
}
const hAgent = memoisedHash(10_000);
const hAddress = memoisedHash(10_000);

export function redisKeys(prefix: string) {
  return {
    epoch: `${prefix}{g}:epoch`,
    control: (agentId: string) => `${prefix}{g}:agent:${hAgent(agentId)}`,
    replay: (key: string) => `${prefix}{g}:replay:${h(key)}`,
    revokedToken: (jti: string) => `${prefix}{g}:jti:${h(jti)}`,
    /** A person's revoke-before instant (the tokens agents hold on their behalf). */
    person: (issuer: string, subject: string) => `${prefix}{g}:person:${h(`${issuer}\n${subject}`)}`,
    /** The ids of every agent with a control record (for listing and restoring them). */
    controlled: `${prefix}{g}:agents`,
    /** Fixed-window request counters: per client address and per agent. */
    addressWindow: (address: string) => `${prefix}{g}:rl:addr:${hAddress(address)}`,
    agentWindow: (agentId: string) => `${prefix}{g}:rl:agent:${hAgent(agentId)}`,
    /** Stands for an absent optional key in a script's fixed key positions (never written). */
    unused: `${prefix}{g}:unused`,
    keyRing: `${prefix}{keyring}`,
    lease: (name: string) => `${prefix}lease:{${h(name)}}`,
    shadowData: `${prefix}{shadow}:data`,
    shadowSeen: `${prefix}{shadow}:seen`,
    audit: `${prefix}{audit}`,
    activityLast: (agentId: string) => `${prefix}{a:${hAgent(agentId)}}:last`,
    activityHour: (agentId: string, outcome: string, bucket: number) => `${prefix}{a:${hAgent(agentId)}}:${outcome}:${bucket}`,
    activityDenials: (agentId: string) => `${prefix}{a:${hAgent(agentId)}}:denials`,
    activityPeople: (agentId: string, bucket: number) => `${prefix}{a:${hAgent(agentId)}}:people:${bucket}`,
    channel: `${prefix}events`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
