/**
 * A suspended agent's own tokens: introspection used to call them active while Shared Signals
 * told every subscribed verifier to refuse them. They are inactive while the suspension lasts;
 * a token its holder revokes meanwhile stays revoked after a resume, and one it did not comes
 * back.
 */
import t from 'tap';
import { buildHarness } from '../admin/helpers.js';

t.test('inactive while suspended; a revocation made meanwhile survives the resume', async (t) => {
  const h = await buildHarness();
  t.teardown(h.close);
  const introspect = async (token: string) => {
    const caller = h.mint('resource-server', { audience: 'https://sts.test', scopes: ['sts:introspect'] });
    return (await h.form('/oauth/introspect', { token }, { authorization: `Bearer ${caller}` })).json().active as boolean;
  };
  const kept = h.mint('healthy');
  const revoked = h.mint('healthy');
  t.equal(await introspect(kept), true);

  const suspend = await h.app.inject({ method: 'POST', url: '/admin/agents/healthy/suspend', headers: h.as('operator'), payload: { reason: 'investigating' } });
  t.equal(suspend.statusCode, 200);
  t.equal(await introspect(kept), false, 'a suspended agent\'s token is not active');
  t.equal(await introspect(revoked), false);

  const revoke = await h.form('/oauth/revoke', { token: revoked });
  t.equal(revoke.statusCode, 200, 'RFC 7009: the holder revokes it while the agent is suspended');

  const resume = await h.app.inject({ method: 'POST', url: '/admin/agents/healthy/resume', headers: h.as('operator'), payload: {} });
  t.equal(resume.statusCode, 200);
  t.equal(await introspect(kept), true, 'resumed: the token it did not revoke is good again');
  t.equal(await introspect(revoked), false, 'the one its holder revoked stays revoked');
});
