import t from 'tap';
import {
  addDecimal,
  decimalToNumber,
  decimalToString,
  exactAdd,
  exactSum,
  parseDecimal,
  shiftDecimal,
  shiftToNumber,
  toExactNumber,
} from '../../src/mapping/decimal.js';

t.test('parseDecimal reads numbers and decimal strings exactly', async (t) => {
  t.same(parseDecimal('41280.000000'), { coef: 41280000000n, scale: 6 });
  t.same(parseDecimal(0.1), { coef: 1n, scale: 1 });
  t.same(parseDecimal('-0.5'), { coef: -5n, scale: 1 });
  t.same(parseDecimal('1e-3'), { coef: 1n, scale: 3 });
  t.same(parseDecimal('1.5E+3'), { coef: 1500n, scale: 0 });
  t.same(parseDecimal(' 12 '), { coef: 12n, scale: 0 });
  t.same(parseDecimal('.5'), { coef: 5n, scale: 1 });
  for (const bad of ['', 'abc', '0x10', '1,5', '1e99999', null, undefined, true, {}, NaN, Infinity]) {
    t.equal(parseDecimal(bad), null, `rejects ${String(bad)}`);
  }
});

t.test('add, shift and back to a number', async (t) => {
  const a = parseDecimal('0.1');
  const b = parseDecimal('0.2');
  if (a === null || b === null) throw new Error('parse');
  const s = addDecimal(a, b);
  t.equal(decimalToString(s), '0.3');
  t.equal(decimalToNumber(s), 0.3);
  t.equal(decimalToString(shiftDecimal(parseDecimal('41280.000000')!, -2)), '412.80000000');
  t.equal(decimalToString(shiftDecimal(parseDecimal('5')!, 3)), '5000');
  t.equal(decimalToString(parseDecimal('-0.001')!), '-0.001');
  t.throws(() => shiftDecimal(a, 0.5));
});

t.test('shiftToNumber is decimal-point shifting, not float division', async (t) => {
  t.equal(shiftToNumber('41280.000000', -2), 412.8);
  t.equal(shiftToNumber(97, -2), 0.97);
  t.equal(shiftToNumber('0.1', -2), 0.001);
  t.equal(shiftToNumber(0.1, -2), 0.001);
  t.equal(shiftToNumber('2315.250000', -2), 23.1525);
  t.equal(shiftToNumber(-186, -2), -1.86);
  t.equal(shiftToNumber(1.1, -2), 0.011); // 1.1 / 100 is 0.011000000000000001 in floating point
  t.not(1.1 / 100, 0.011);
  t.equal(shiftToNumber(8.2, -2), 0.082);
  t.not(8.2 / 100, 0.082);
  t.equal(shiftToNumber(3, 2), 300);
  t.equal(shiftToNumber('x', -2), null);
  t.equal(shiftToNumber(null, -2), null);
});

t.test('exact sums', async (t) => {
  t.equal(exactSum([0.1, 0.2]), 0.3);
  t.not(0.1 + 0.2, 0.3);
  t.equal(exactSum(Array.from({ length: 10 }, () => 0.001)), 0.01);
  t.equal(exactSum(['0.1', 0.2, null, undefined, '0.3']), 0.6);
  t.equal(exactSum([1, 2, 3]), 6);
  t.equal(exactSum([null, undefined]), null, 'nothing to sum is null, not 0');
  t.equal(exactSum([]), null);
  t.equal(exactSum([Number.MAX_SAFE_INTEGER, 2]), Number(9007199254740993n), 'past 2^53: correctly rounded');
  t.equal(exactAdd(0.7, 0.1), 0.8);
  t.equal(exactAdd(null, 5), 5);
  t.equal(exactAdd(null, null), null);
  // a page of cents-strings sums to the vendor's own sum
  const page = ['1234.567800', '0.000100', '99999.999900', '0.333300', '0.666700'];
  const majors = page.map((c) => shiftToNumber(c, -2));
  t.equal(exactSum(majors), shiftToNumber('101235.567800', -2));
  t.equal(toExactNumber('0.30'), 0.3);
  t.equal(toExactNumber(''), null);
  t.equal(toExactNumber(Infinity), null);
});

t.test('the fast sum paths agree with the BigInt reference', async (t) => {
  let seed = 12345;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const reference = (vals: number[]): number => {
    let acc = parseDecimal(vals[0]);
    for (const v of vals.slice(1)) acc = addDecimal(acc!, parseDecimal(v)!);
    return decimalToNumber(acc!);
  };
  let mismatches = 0;
  for (let i = 0; i < 20_000; i++) {
    const vals = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => {
      const d = Math.floor(rnd() * 10);
      const int = Math.floor(rnd() * 10 ** Math.floor(rnd() * 12));
      const frac = String(Math.floor(rnd() * 10 ** d)).padStart(d, '0');
      return Number(`${rnd() < 0.3 ? '-' : ''}${int}${d ? '.' + frac : ''}`);
    });
    if (exactSum(vals) !== reference(vals)) mismatches++;
  }
  t.equal(mismatches, 0);
  t.equal(exactSum([1e-20, 1e-20]), 2e-20, 'exponent notation takes the BigInt path');
  t.equal(exactSum([123456789.123456, 0.000001]), 123456789.123457);
});
