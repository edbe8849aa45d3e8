/**
 * keepalived's read_timer with ignore_error (lib/parser.c read_decimal_unsigned_long_func, six
 * decimal places): a time in seconds read to microseconds, with its warnings and its leniency.
 * Too many decimal places round at the seventh; a word strtoull stops early in ("1x") is an
 * invalid number, yet its leading digits are kept when they are in range (keepalived returns
 * true then); a number out of range is refused.
 */
const SHIFT = 6;

export function readTimerUs(word: string, minUs: number, maxUs: number): { us: number | null; warnings: string[] } {
  const warnings: string[] = [];
  if (word.startsWith('-')) return { us: null, warnings: [`negative number '${word}'`] };
  const dp = word.indexOf('.');
  let intPart = dp >= 0 ? word.slice(0, dp) : word;
  let frac = dp >= 0 ? word.slice(dp + 1) : '';
  let roundUp = false;
  if (frac.length > SHIFT) {
    warnings.push(`number '${word}' has too many decimal places`);
    roundUp = frac[SHIFT] >= '5';
    frac = frac.slice(0, SHIFT);
  }
  intPart = `${intPart}${frac}${'0'.repeat(SHIFT - frac.length)}`;
  // strtoull(…, 10): leading space and a + sign, then digits; the rest must be empty
  const m = /^[ \t\n\v\f\r]*\+?(\d*)(.*)$/s.exec(intPart)!;
  let val = m[1] === '' ? 0 : Number(m[1]);
  if (roundUp) val++;
  const fmt = (us: number) => `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(SHIFT, '0')}`;
  if (m[2] !== '' || (m[1] === '' && intPart.trim() !== '')) warnings.push(`invalid number '${word}'`);
  else if (!Number.isSafeInteger(val)) return { us: null, warnings: [...warnings, `number '${word}' outside unsigned decimal range`] };
  else if (val < minUs || val > maxUs) warnings.push(`number '${word}' outside range [${fmt(minUs)}, ${fmt(maxUs)}]`);
  else return { us: val, warnings };
  return { us: val >= minUs && val <= maxUs ? val : null, warnings };
}
