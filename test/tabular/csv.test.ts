/**
 * The one CSV writer behind every export (inventories, credential audit): RFC 4180 quoting and
 * OWASP "CSV Injection" neutralisation, in comma and semicolon locales alike.
 */
import t from 'tap';
import { csvField, formatCsv, formatRecordsCsv } from '../../src/tabular/index.js';

t.test('csvField: quoting and formula neutralisation', async (t) => {
  const cases: Array<[string, string]> = [
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['cr\rhere', '"cr\rhere"'],
    ['=1+1', "'=1+1"],
    ['+SUM(A1)', "'+SUM(A1)"],
    ['-2', "'-2"],
    ['@cmd', "'@cmd"],
    ['\tx', '"\'\tx"'],
    ['\rx', '"\'\rx"'],
    ['=HYPERLINK("http://evil","x")', '"\'=HYPERLINK(""http://evil"",""x"")"'],
    ['=a,b', '"\'=a,b"'],
    ['a=b', 'a=b'],
    // Separators of other locales: a semicolon or a tab would start a new cell there.
    ['x;-2+3', '"x;-2+3"'],
    ['x;=1+1', '"x;=1+1"'],
    ['a\tb', '"a\tb"'],
  ];
  for (const [input, want] of cases) t.equal(csvField(input), want, JSON.stringify(input));
});

/**
 * Splits one CSV record as a spreadsheet in a semicolon locale does: quoted cells stay whole,
 * everything else splits on `;` and `,` alike (the worst case of both locales).
 */
function spreadsheetCells(record: string): string[] {
  return [...record.matchAll(/"((?:[^"]|"")*)"|([^;,"]*)/g)]
    .filter((m) => m.index === 0 || /[;,]/.test(record[m.index - 1] ?? ''))
    .map((m) => (m[1] !== undefined ? m[1].replace(/""/g, '"') : (m[2] ?? '')));
}

t.test('no exported cell starts a formula, whichever separator the reader splits on', async (t) => {
  const rows = [
    ['suspended', 'x;-2+3'],
    ['list', ['ok', '=1+1', '@SUM(A1)']],
    ['tab', 'a\t=1'],
  ];
  const csv = formatCsv(['name', 'reason'], rows);
  const records = csv.split('\r\n').slice(1, -1);
  t.equal(records.length, rows.length);
  for (const record of records) {
    for (const cell of spreadsheetCells(record)) t.notMatch(cell, /^[=+\-@\t\r]/, `${JSON.stringify(record)}: cell ${JSON.stringify(cell)}`);
  }
  t.equal(records[0], 'suspended,"x;-2+3"');
  t.equal(records[1], 'list,"ok;=1+1;@SUM(A1)"', 'a list joined with ";" is one quoted cell');
});

t.test('formatRecordsCsv goes through the same quoting', async (t) => {
  const csv = formatRecordsCsv(['agent', 'reason'], [{ agent: 'a1', reason: 'x;-2+3' }]);
  t.equal(csv, 'agent,reason\r\na1,"x;-2+3"\r\n');
});
