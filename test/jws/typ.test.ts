import t from 'tap';
import { checkTyp, isMediaType, mediaType, typRule } from '../../src/jws/index.js';

t.test('typ values are media types: case-insensitive, "application/" implied (RFC 7515 §4.1.9)', async (t) => {
  t.equal(mediaType('JWT'), 'application/jwt');
  t.equal(mediaType('application/JWT'), 'application/jwt');
  t.equal(mediaType('At+Jwt'), 'application/at+jwt');
  t.equal(mediaType('text/jwt'), 'text/jwt');
  t.ok(isMediaType('application/AT+JWT', 'at+jwt'));
  t.notOk(isMediaType('at+jwt ', 'at+jwt'));
  t.notOk(isMediaType(undefined, 'at+jwt'));
  t.notOk(isMediaType(['at+jwt'], 'at+jwt'));
});

t.test('an allow-list, optional or required', async (t) => {
  const optional = typRule(['JWT', 'JOSE'], { optional: true });
  const required = typRule(['at+jwt'], { optional: false });
  const verdict = (typ: unknown, rule = optional) => checkTyp(typ === undefined ? {} : { typ }, rule)?.reason ?? 'ok';
  t.equal(verdict(undefined), 'ok');
  t.equal(verdict('jwt'), 'ok');
  t.equal(verdict('application/jose'), 'ok');
  for (const typ of ['dpop+jwt', 'at+jwt', 'JWS', '', 'application/', 'text/jwt', null, 1, ['JWT']]) t.equal(verdict(typ), 'wrong_typ', JSON.stringify(typ));
  t.equal(verdict(undefined, required), 'wrong_typ', 'required and absent');
  t.equal(verdict('AT+JWT', required), 'ok');
  t.equal(verdict('application/at+jwt', required), 'ok');
  t.equal(verdict('JWT', required), 'wrong_typ');
});
