/**
 * The HTTP POST of one push delivery, made with node:http(s) rather than fetch so that the
 * address a host name resolves to is checked as the connection is made. A receiver's URL
 * is checked when the stream is stored, but only a literal address can be judged then: a
 * name that resolves to an address the push target policy refuses (link-local, metadata,
 * loopback or private: push-address.ts), or is re-pointed there later (DNS rebinding), is
 * refused here, on every connection, and the connection goes to the address checked.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pushHostAllowed, type PushTargetPolicy } from './push-address.js';

/** A name to every address it has (node:dns's lookup with `all: true`). */
export type Resolver = (hostname: string, options: LookupOptions & { all: true }, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

export interface PostAnswer {
  status: number;
  /** The body, read only when asked for and never past `maxBody` bytes. */
  body: string;
}

export interface PostOptions {
  signal: AbortSignal;
  targets: PushTargetPolicy;
  /** Bytes of the answer to read (0: none, the connection is closed unread). */
  readBody: (status: number) => number;
  resolve?: Resolver;
}

export class ForbiddenAddressError extends Error {
  readonly code = 'ERR_FORBIDDEN_ADDRESS';
}

/**
 * One lookup at a time. getaddrinfo runs on libuv's thread pool, which every other lookup
 * and file operation of the process shares, and cannot be cancelled: a receiver's name whose
 * DNS never answers then holds at most one pool thread (and delays other pushes).
 */
export function oneAtATime(resolve: Resolver): Resolver {
  let lookups: Promise<void> = Promise.resolve();
  return (hostname, options, callback) => {
    lookups = lookups.then(() => new Promise<void>((done) => {
      resolve(hostname, options, (error, addresses) => {
        done();
        callback(error, addresses);
      });
    }));
  };
}

const defaultResolver = oneAtATime((hostname, options, callback) => dnsLookup(hostname, options, callback));

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A lookup for net.connect that fails when any address the name resolves to is forbidden. */
export function guardedLookup(targets: PushTargetPolicy, resolve: Resolver = defaultResolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      // Every address, not only the first: the connection may try any of them.
      const forbidden = addresses.find((a) => !pushHostAllowed(a.address, targets));
      if (forbidden || addresses.length === 0) {
        return callback(new ForbiddenAddressError(forbidden ? `${hostname} resolves to an address push delivery may not use` : `${hostname} resolves to no address`), []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0] as LookupAddress;
      callback(null, first.address, first.family);
    });
  };
}

export function postOnce(url: URL, body: string, headers: Record<string, string>, options: PostOptions): Promise<PostAnswer> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      signal: options.signal,
      lookup: guardedLookup(options.targets, options.resolve),
      // One connection per delivery: a pooled socket would skip the address check.
      agent: false,
    }, (response) => {
      const limit = options.readBody(response.statusCode ?? 0);
      readLimited(response, limit).then((text) => resolve({ status: response.statusCode ?? 0, body: text }), reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Up to `limit` bytes of the answer; the rest is not read and the connection is closed. */
function readLimited(response: IncomingMessage, limit: number): Promise<string> {
  if (limit <= 0) {
    response.destroy();
    return Promise.resolve('');
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = () => resolve(Buffer.concat(chunks).toString('utf8'));
    response.on('data', (chunk: Buffer) => {
      const room = limit - total;
      chunks.push(chunk.subarray(0, room));
      total += Math.min(chunk.length, room);
      if (total >= limit) {
        response.destroy();
        done();
      }
    });
    response.on('end', done);
    // A body cut off is read as far as it came: the caller parses what it has, or fails to.
    response.on('error', done);
    response.on('close', done);
  });
}
