/**
 * The authentication of the broker's pushes: the stream gives the broker a bearer secret as its
 * authorization header (RFC 8935 §4.1 leaves the means to the receiver; RFC 6750 §2.1 is the
 * form). A push without it is 401 with a `Bearer` challenge, since every 401 carries one (RFC
 * 9110 §15.5.2). The realm is the push endpoint: the secret is a protection space of its own
 * (RFC 9110 §11.5), it opens nothing else of the API, and the API's tokens do not open it.
 */
import { timingSafeEqual } from 'node:crypto';
import { bearerChallenge } from './challenge.js';
import { invalidToken } from './errors.js';

export interface PushRefusal {
  status: 401;
  headers: { 'www-authenticate': string };
}

/** Undefined when `given` is the stream's authorization, else the refusal to answer with. */
export function checkPushAuthorization(expected: string, given: string | undefined, realm: string | undefined): PushRefusal | undefined {
  const wanted = Buffer.from(expected);
  const sent = Buffer.from(given ?? '');
  if (sent.length === wanted.length && timingSafeEqual(sent, wanted)) return undefined;
  // RFC 6750 §3.1: a request with no authentication information gets no error code.
  const error = given === undefined || given === '' ? undefined : invalidToken('wrong_push_secret', 'not the authorization of this stream');
  return { status: 401, headers: { 'www-authenticate': bearerChallenge(error, realm === undefined ? {} : { realm }) } };
}
