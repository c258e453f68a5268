import t from 'tap';
import { findDuplicateMember } from '../../src/jws/index.js';

t.test('no duplicates: undefined, whatever the nesting and the content of strings', async (t) => {
  const clean = [
    '{}', '[]', '"x"', '1', 'null',
    '{"a":1,"b":2}',
    '{"a":{"a":1},"b":[{"a":1},{"a":2}]}',
    '{"a":"a","b":"a"}',
    '{"a":[1,"a",{"b":1}],"b":1}',
    '{"a":"x\\"y","b":"{\\"a\\":1,\\"a\\":2}"}',
    '{"a\\\\":1,"a":2}',
    '{"a":"\\\\","b":"\\\\\\"","c":1}',
    ' { "a" : 1 , "b" : { "c" : [ ] } } ',
    '{"__proto__":1,"constructor":2}',
  ];
  for (const text of clean) {
    t.equal(findDuplicateMember(text, JSON.parse(text)), undefined, text);
  }
});

t.test('a repeated name is found at any depth, compared after JSON unescaping', async (t) => {
  const table: Array<[string, string]> = [
    ['{"a":1,"a":2}', 'a'],
    ['{"sub":"victim","aud":"x","sub":"attacker"}', 'sub'],
    ['{"a":1,"\\u0061":2}', 'a'],
    ['{"\\u0061":1,"a":2}', 'a'],
    ['{"a\\/b":1,"a/b":2}', 'a/b'],
    ['{"x":{"k":1,"k":2}}', 'k'],
    ['{"x":[{"k":1},{"k":1,"k":2}]}', 'k'],
    ['{"x":{"y":{"z":{"a":1,"a":1}}}}', 'a'],
    ['{"a":1,"b":{},"a":3}', 'a'],
    ['{"a":[],"a":[]}', 'a'],
    ['{"\\"":1,"\\u0022":2}', '"'],
    ['{"__proto__":1,"__proto__":2}', '__proto__'],
  ];
  for (const [text, name] of table) {
    t.equal(findDuplicateMember(text, JSON.parse(text)), name, text);
  }
});
