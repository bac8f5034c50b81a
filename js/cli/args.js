// Command-line arguments of the `fastgrnn` command: flag tables, parsing,
// help text, "did you mean".
//
// A flag: { name, kind: 'int' | 'num' | 'intOrNone' | 'bool' | 'str' |
// 'list', meta, def, defText, help, group, alias, to: 'model' | 'training' |
// 'cli', key (config key), check(v) -> error text or null, hidden }.
// Numeric flags that set a config key are checked against the bounds C
// reports (configLimits(), see limitCheck); the bounds are not written here.

/** A usage problem: one line on stderr, exit status 2. */
export class UsageError extends Error {}
export const usage = (msg) => { throw new UsageError(msg); };

/**
 * A typed error the command reports as a usage or data problem (exit
 * status 2, not 1): a malformed data file, an --out that cannot be written.
 * Printed as "<message> (<code>)" like every FastGRNNError.
 */
export class DataError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.code = code;
  }
}

/** Edit distance (a swap of neighbours counts one), for "did you mean". */
export function distance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The closest of `names` to `name`, or null when none is close. */
export function closest(name, names) {
  let best = null, bestD = Infinity;
  for (const g of names) {
    const d = distance(name, g);
    if (d < bestD) { bestD = d; best = g; }
  }
  return bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : null;
}

// range(lo, hi, loOpen, hiOpen, hiShown): hiShown false marks hi as a
// technical limit, left out of the text unless it is what failed.
export const range = (lo, hi, loOpen = false, hiOpen = false, hiShown = true) => (v) => {
  const okLo = lo === undefined || lo === null || (loOpen ? v > lo : v >= lo);
  const okHi = hi === undefined || hi === null || (hiOpen ? v < hi : v <= hi);
  if (okLo && okHi) return null;
  if (!Number.isNaN(v) && okLo && !hiShown) return `<= ${hi}`;
  if (hi === undefined || hi === null || !hiShown) {
    return lo === undefined || lo === null ? null : `${loOpen ? '>' : '>='} ${lo}`;
  }
  if (lo === undefined || lo === null) return `${hiOpen ? '<' : '<='} ${hi}`;
  return `in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}`;
};

/**
 * A check from one entry of configLimits() ({ min, max, minOpen, maxOpen,
 * integer, nullable } as C reports it). Bounds at +-FLT_MAX mean "finite"
 * (the parser already demands it). An upper bound of an integer, or a large
 * one, is a technical limit: named only when it is what failed.
 */
const FLT_MAX = 3.4028234663852886e38;
export function limitCheck(limit, kind) {
  if (!limit) return null;
  const lo = limit.min === undefined || limit.min === null || limit.min <= -FLT_MAX ? null : limit.min;
  const hi = limit.max === undefined || limit.max === null || limit.max >= FLT_MAX ? null : limit.max;
  const hiShown = kind === 'num' && hi !== null && Math.abs(hi) <= 1000;
  return range(lo, hi, Boolean(limit.minOpen), Boolean(limit.maxOpen), hiShown);
}

const INT_RE = /^[+-]?\d+$/;
export const NUM_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses one flag's text (syntax only; the bounds are checked by checkValue). */
function parseValue(f, raw) {
  const flag = `--${f.name}`;
  if (f.kind === 'str') {
    if (raw === '') usage(`${flag} needs a non-empty value`);
    return raw;
  }
  if (f.kind === 'list') {
    const parts = raw.split(',').map((s) => s.trim());
    if (parts.some((s) => s === '')) usage(`${flag} needs comma-separated names, got ${JSON.stringify(raw)}`);
    return parts;
  }
  if (f.kind === 'choice') {
    if (!f.choices.includes(raw)) usage(`${flag} must be one of ${f.choices.join(', ')}, got ${JSON.stringify(raw)}`);
    return raw;
  }
  if (f.kind === 'intOrNone' && raw.toLowerCase() === 'none') return null;
  if (f.kind === 'int' || f.kind === 'intOrNone') {
    const v = INT_RE.test(raw) ? Number(raw) : NaN;
    return Number.isSafeInteger(v) ? v : { bad: raw };
  }
  const v = NUM_RE.test(raw) ? Number(raw) : NaN;
  return Number.isFinite(v) ? v : { bad: raw };
}

/** Checks a parsed numeric value against f.check; throws a usage error naming the flag. */
export function checkValue(f, v, raw) {
  if (v === null || v === undefined || typeof v === 'boolean' || typeof v === 'string' || Array.isArray(v)) return v;
  const flag = `--${f.name}`;
  const isInt = f.kind === 'int' || f.kind === 'intOrNone';
  const none = f.kind === 'intOrNone' ? ' or "none"' : '';
  if (typeof v === 'object') {
    const lim = f.check ? f.check(isInt ? -Infinity : NaN) : null;
    usage(`${flag} must be ${isInt ? 'an integer' : 'a number'}${lim ? ` ${lim}` : ''}${none}, got ${JSON.stringify(v.bad)}`);
  }
  const bad = f.check ? f.check(v) : null;
  if (bad) usage(`${flag} must be ${isInt ? 'an integer' : 'a number'} ${bad}${none}, got ${JSON.stringify(raw)}`);
  return v;
}

/**
 * argv -> { values: Map(name -> value), raw: Map(name -> text), given:
 * Set(name), positionals: string[] }. Numeric values are parsed but not yet
 * bound-checked (see checkAll). maxPositionals: how many plain arguments the
 * command takes; onStray(arg) may return a hint for an unexpected one.
 */
export function parseArgv(argv, flags, { maxPositionals = 0, onStray } = {}) {
  const byName = new Map(flags.map((f) => [f.name, f]));
  const values = new Map(flags.map((f) => [f.name, f.def]));
  const raw = new Map();
  const given = new Set();
  const positionals = [];
  let rest = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let name, inline;
    if (!rest && arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (!rest && /^-[a-zA-Z]$/.test(arg)) {
      const f = flags.find((x) => x.alias === arg[1]);
      if (!f) usage(`unknown flag ${arg} (see --help)`);
      name = f.name;
    } else if (!rest && arg === '--') {
      rest = true;
      continue;
    } else {
      if (positionals.length >= maxPositionals) {
        const hint = onStray ? onStray(arg) : null;
        usage(`unexpected argument ${JSON.stringify(arg)}${hint ? ` (${hint})` : ''} (see --help)`);
      }
      positionals.push(arg);
      continue;
    }
    const f = byName.get(name);
    if (!f) {
      const best = closest(name, flags.filter((g) => !g.hidden).map((g) => g.name));
      usage(`unknown flag --${name}${best ? ` (did you mean --${best}?)` : ''} (see --help)`);
    }
    if (f.kind === 'bool') {
      if (inline !== undefined) usage(`--${f.name} takes no value, got ${JSON.stringify(inline)}`);
      values.set(f.name, true);
    } else {
      let text = inline;
      if (text === undefined) {
        if (i + 1 >= argv.length || (argv[i + 1].startsWith('--') && argv[i + 1].length > 2)) {
          usage(`--${f.name} needs a value${f.meta ? ` (${f.meta})` : ''}`);
        }
        text = argv[++i];
      }
      values.set(f.name, parseValue(f, text));
      raw.set(f.name, text);
    }
    given.add(f.name);
  }
  return { values, raw, given, positionals };
}

/** Bound-checks every given numeric flag (after f.check is set, e.g. from configLimits()). */
export function checkAll(parsed, flags) {
  for (const f of flags) {
    if (!parsed.given.has(f.name)) continue;
    checkValue(f, parsed.values.get(f.name), parsed.raw.get(f.name));
  }
}

/** Help text: `head` lines, then the flags in a column from 30, wrapped at 79, then `tail`. */
export function helpText(head, flags, tail = []) {
  const lines = [...head];
  const width = 30;
  for (const f of flags) {
    if (f.hidden) continue;
    const left = `  ${f.alias ? `-${f.alias}, ` : ''}--${f.name}${f.meta ? ` ${f.meta}` : ''}`;
    const words = f.help.split(' ');
    if (f.defText) words.push(`(default: ${f.defText})`);
    else if (f.kind !== 'bool' && f.def !== undefined) words.push(`(default: ${f.def})`);
    if (f.group) lines.push('', `${f.group}:`);
    // A flag longer than the column starts its description on the next line.
    let line = '';
    let prefix = left.length + 2 <= width ? left.padEnd(width) : null;
    if (prefix === null) {
      lines.push(left);
      prefix = ' '.repeat(width);
    }
    for (const w of words) {
      if (line && width + line.length + 1 + w.length > 79) {
        lines.push(prefix + line);
        prefix = ' '.repeat(width);
        line = w;
      } else {
        line = line ? `${line} ${w}` : w;
      }
    }
    lines.push(prefix + line);
  }
  if (tail.length) lines.push('', ...tail);
  return lines.join('\n') + '\n';
}
