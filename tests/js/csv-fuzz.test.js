// csv-fuzz.test.js - the CSV reader on random and mutated bytes, in random
// chunkings and with random options: every input gives a well-formed data
// set or a FastGRNNError (InvalidInput), never any other exception, never a
// hang, and the same outcome however the input is cut into chunks.
//
// The fuzzing runs in a worker thread; the test fails if the worker stops
// making progress for 5 s (a hang), showing the input it was on.
//   FG_FUZZ_SECONDS=N (default 8, at most 60)   FG_FUZZ_SEED=S (default: random, printed)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const HEADER = 16; // Int32: [progress, length of the current case, cases done, failures]
const CASE_BYTES = 1 << 16;

if (isMainThread) {
  const seconds = Math.min(60, Number(process.env.FG_FUZZ_SECONDS || 8));
  const seed = Number(process.env.FG_FUZZ_SEED || Math.floor(Math.random() * 2 ** 31));

  test(`CSV reader fuzz: ${seconds} s, seed ${seed} (FG_FUZZ_SEED to repeat)`, { timeout: (seconds + 120) * 1000 }, async () => {
    const sab = new SharedArrayBuffer(HEADER + CASE_BYTES);
    const head = new Int32Array(sab, 0, 4);
    const worker = new Worker(SELF, { workerData: { sab, seconds, seed } });
    const result = await new Promise((resolve, reject) => {
      let last = -1;
      let still = 0;
      const timer = setInterval(() => {
        const now = Atomics.load(head, 0);
        if (now === last) {
          if (++still >= 5) {
            clearInterval(timer);
            const len = Atomics.load(head, 1);
            const text = Buffer.from(new Uint8Array(sab, HEADER, Math.min(len, CASE_BYTES))).toString('latin1');
            worker.terminate();
            reject(new Error(`the reader made no progress for 5 s (a hang?) on case ${JSON.stringify(text)}`));
          }
        } else {
          still = 0;
          last = now;
        }
      }, 1000);
      worker.on('message', (m) => { clearInterval(timer); resolve(m); });
      worker.on('error', (e) => { clearInterval(timer); reject(e); });
      worker.on('exit', (code) => { clearInterval(timer); if (code !== 0) reject(new Error(`worker exited with ${code}`)); });
    });
    await worker.terminate();
    console.log(`# ${result.cases} cases: ${result.ok} data sets, ${result.errors} FastGRNNErrors`);
    assert.deepEqual(result.failures, []);
    assert.ok(result.cases >= 200, `only ${result.cases} cases ran`);
    assert.ok(result.ok > result.cases / 20, `too few inputs read as data (${result.ok}): the generator is off`);
    assert.ok(result.errors > result.cases / 20, `too few inputs were errors (${result.errors}): the generator is off`);
  });
} else {
  const { readCSV, readCSVRows } = await import('../../js/csv.js');
  const { FastGRNNError } = await import('../../js/errors.js');
  const { seededRandom } = await import('../../js/data.js');
  const { sab, seconds, seed } = workerData;
  const head = new Int32Array(sab, 0, 4);
  const caseBytes = new Uint8Array(sab, HEADER, CASE_BYTES);
  const rand = seededRandom(seed);
  const int = (n) => Math.floor(rand() * n);
  const pick = (a) => a[int(a.length)];
  const enc = new TextEncoder();

  const CELLS = ['0', '1', '-1', '0.5', '2', '3', '1e3', '1e39', '-0', '.5', '5.', 'NA', '', ' ', 'nan', 'abc', 'yes', 'no',
    'café', '"1"', '"a,b"', '"x""y"', '"line\nbreak"', '"\r\n"', '0x1', 'Infinity', '9007199254740993', '1e-50', '""'];
  const NAMES = ['a', 'b', 'c', 'id', 'label', 'target', 'class', 'Label', '', '"q,1"', 'x"y', 'ü'];

  // A CSV that is often valid: unique names, numbers, 0/1 or name labels; in
  // "noisy" files, odd names and odd cells now and then.
  function validCSV() {
    const noisy = rand() < 0.5;
    const cols = 1 + int(5);
    const delim = pick([',', ';', '\t']);
    const header = [];
    for (let c = 0; c < cols; c++) header.push((noisy ? pick(NAMES) : pick(['a', 'b', 'x', 'ü', '"q,'])) + c);
    const labelAt = int(cols + 1);
    header.splice(labelAt, 0, pick(['label', 'target', 'class', 'LABEL']));
    const rows = [header.map((h) => (h.startsWith('"') ? `"${h.slice(1).replace(/"/g, '""')}"` : h)).join(delim)];
    const n = 1 + int(8);
    const names = rand() < 0.3;
    for (let r = 0; r < n; r++) {
      const row = [];
      for (let c = 0; c < header.length; c++) {
        if (c === labelAt) row.push(names ? pick(['yes', 'no', '"maybe"']) : String(int(rand() < 0.8 ? 2 : 5)));
        else if (noisy && rand() < 0.2) row.push(pick(CELLS));
        else row.push(String(Math.round(rand() * 100) / 10 * (rand() < 0.2 ? -1 : 1)));
      }
      rows.push(row.join(delim));
    }
    const eol = pick(['\n', '\r\n', '\r']);
    return (rand() < 0.2 ? '\ufeff' : '') + rows.join(eol) + (rand() < 0.7 ? eol : '');
  }

  function mutate(bytes) {
    const b = Array.from(bytes);
    const k = 1 + int(4);
    for (let i = 0; i < k; i++) {
      const p = int(b.length + 1);
      switch (int(6)) {
        case 0: b.splice(p, 1); break;
        case 1: b.splice(p, 0, pick([34, 44, 59, 9, 10, 13, 46, 101, 45, 48, 0, 0xff, 0xc3, 0xa9, 0xe2, 0x80])); break;
        case 2: if (p < b.length) b[p] = int(256); break;
        case 3: b.splice(p, 0, ...b.slice(int(b.length), int(b.length) + int(12))); break;
        case 4: b.splice(p, int(6)); break;
        default: b.splice(p, 0, ...enc.encode(pick(CELLS))); break;
      }
    }
    return new Uint8Array(b);
  }

  function randomBytes() {
    const n = int(60);
    const alphabet = enc.encode('0123456789,;\t"\r\n.-+eE abcNA') ;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = rand() < 0.9 ? alphabet[int(alphabet.length)] : int(256);
    return out;
  }

  function randomOptions() {
    const o = {};
    if (rand() < 0.3) o.missing = pick(['error', 'skip', 'mean']);
    if (rand() < 0.15) o.ignore = [pick(NAMES)];
    if (rand() < 0.1) o.timesteps = 1 + int(3);
    if (rand() < 0.1) o.label = pick(['label', 'a0', 'b1', 'target']);
    if (rand() < 0.1) o.classNames = ['no', 'yes'];
    if (rand() < 0.05) o.delimiter = pick([',', ';', '\t', '|']);
    if (rand() < 0.05) o.label = false;
    return o;
  }

  function chunk(bytes) {
    const parts = [];
    let i = 0;
    const asText = rand() < 0.3;
    const text = asText ? new TextDecoder().decode(bytes) : null;
    const len = asText ? text.length : bytes.length;
    while (i < len) {
      const j = Math.min(len, i + 1 + int(rand() < 0.5 ? 3 : 20));
      parts.push(asText ? text.slice(i, j) : bytes.subarray(i, j));
      i = j;
    }
    // a text split may not be the same input when the bytes are not UTF-8
    return { parts, same: !asText || Buffer.compare(Buffer.from(enc.encode(text)), Buffer.from(bytes)) === 0 };
  }

  /** null when d is a well-formed data set, else what is wrong. */
  function malformed(d, o) {
    const W = d.n * d.inputDim * d.timesteps;
    if (!(d.features instanceof Float32Array) || d.features.length !== W) return 'features length';
    if (!(d.n >= 1) || !Number.isInteger(d.inputDim) || d.inputDim < 1) return 'n / inputDim';
    for (const v of d.features) if (!Number.isFinite(v)) return 'a non-finite feature';
    if (d.featureNames.length !== d.inputDim) return 'featureNames';
    if (o.label === false) return d.labels === null ? null : 'labels with label: false';
    if (d.labels.length !== d.n) return 'labels length';
    const K = d.outputDim;
    for (const y of d.labels) {
      if (K === 1 ? !(y >= 0 && y <= 1) : !(Number.isInteger(y) && y >= 0 && y < K)) return `label ${y} for outputDim ${K}`;
    }
    if (d.classNames && (d.classNames.length === 2 ? K !== 1 : d.classNames.length !== K)) return 'classNames vs outputDim';
    return null;
  }

  async function outcome(input, o) {
    try {
      const d = await readCSV(input, o);
      const bad = malformed(d, o);
      return bad ? { bad } : { ok: { ...d, features: Array.from(d.features), labels: d.labels && Array.from(d.labels) } };
    } catch (e) {
      if (e instanceof FastGRNNError && e.code === 'InvalidInput') return { error: e.message };
      return { bad: `threw ${e && e.stack}` };
    }
  }

  const failures = [];
  let cases = 0, ok = 0, errors = 0;
  const seeds = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end && failures.length < 5) {
    const kind = int(3);
    let bytes;
    if (kind === 0) bytes = randomBytes();
    else if (kind === 1 || seeds.length === 0) bytes = enc.encode(validCSV());
    else bytes = mutate(pick(seeds));
    if (bytes.length > CASE_BYTES) continue;
    const o = randomOptions();
    caseBytes.set(bytes);
    Atomics.store(head, 1, bytes.length);
    const whole = await outcome(bytes, o);
    const { parts, same } = chunk(bytes);
    const cut = await outcome(parts, o);
    const show = () => JSON.stringify(Buffer.from(bytes).toString('latin1'));
    if (whole.bad) failures.push(`${whole.bad} on ${show()} ${JSON.stringify(o)}`);
    else if (same && JSON.stringify(cut) !== JSON.stringify(whole)) {
      failures.push(`chunked ${JSON.stringify(cut).slice(0, 300)} != whole ${JSON.stringify(whole).slice(0, 300)} on ${show()} ${JSON.stringify(o)}`);
    } else if (cut.bad) failures.push(`${cut.bad} (chunked) on ${show()}`);
    if (whole.ok) {
      ok++;
      if (seeds.length < 200) seeds.push(bytes);
      // readCSVRows yields the same rows (the mean policy's running means aside)
      if (o.missing !== 'mean') {
        try {
          const feats = [];
          for await (const b of readCSVRows(parts, { ...o, batchSize: 1 + int(4) })) feats.push(...b.features);
          if (JSON.stringify(feats) !== JSON.stringify(whole.ok.features)) failures.push(`readCSVRows rows differ on ${show()}`);
        } catch (e) {
          failures.push(`readCSVRows threw ${e && e.message} where readCSV read ${show()}`);
        }
      }
    } else if (whole.error) errors++;
    cases++;
    Atomics.add(head, 0, 1);
  }
  parentPort.postMessage({ cases, ok, errors, failures });
}
