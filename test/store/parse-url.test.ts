import t from 'tap';
import { parseRedisUrl } from '../../src/store/index.js';

t.same(parseRedisUrl('redis://u:p@h:1/2'), { mode: 'single', url: 'redis://u:p@h:1/2' });
t.same(parseRedisUrl('rediss://h:6380'), { mode: 'single', url: 'rediss://h:6380' });
t.same(parseRedisUrl('redis-sentinel://:secret@s1:26379,s2/mymaster?db=3'), {
  mode: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }],
  name: 'mymaster', password: 'secret', db: 3, tls: false,
});
t.same(parseRedisUrl('redis-cluster://a:7000,b:7001,[::1]:7002'), {
  mode: 'cluster', nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }, { host: '::1', port: 7002 }], tls: false,
});
t.equal((parseRedisUrl('rediss-cluster://a:1') as { tls: boolean }).tls, true);
t.throws(() => parseRedisUrl('redis-sentinel://s1:26379'), /master name/);
t.throws(() => parseRedisUrl('http://x'), /unsupported scheme/);
t.throws(() => parseRedisUrl('redis-cluster://'), /no cluster nodes/);
t.throws(() => parseRedisUrl('nonsense'), /not a URL/);
