// peak.js - the machine's WebAssembly SIMD128 mul+add peak, measured in Node.
//
// A hand-assembled module (no toolchain, so no compiler can rewrite the
// loop) whose one function runs `iters` iterations of K independent chains,
// unrolled 4 times, in one of two shapes:
//   fused: acc_k = f32x4.add(f32x4.mul(acc_k, m), c)    8 FLOPs per chain step
//          (m = 0.5, c = 0.25: every value stays normal, fixed point 0.5)
//   split: K/2 chains p_k = f32x4.mul(p_k, m) (m = 1) and K/2 chains
//          s_k = f32x4.add(s_k, c) (c = 2^-24): 4 FLOPs per chain step
// The function returns lane 0 of the sum of the chains so nothing is dead.
// Several K are tried (the chains must cover the mul+add latency with
// enough independent work to fill the FP pipes, without spilling registers);
// the peak is the best GFLOP/s over K and trials.

const UNROLL = 4;

function uleb(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
function f32bytes(x) {
  return [...new Uint8Array(new Float32Array([x]).buffer)];
}
function section(id, body) {
  return [id, ...uleb(body.length), ...body];
}

const OP = {
  localGet: 0x20, localSet: 0x21, localTee: 0x22, f32Const: 0x43, i32Const: 0x41,
  i32Sub: 0x6b, loop: 0x03, brIf: 0x0d, end: 0x0b, void: 0x40,
};
const SIMD = {
  f32x4Splat: [0xfd, 0x13],
  f32x4ExtractLane: [0xfd, 0x1f],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
};

/** The module bytes for K chains: export "run" (param i32 iters) (result f32). */
export function peakModule(K, shape = 'fused') {
  const M = 1, C = 2, ACC = 3; // local indices (0 is the param)
  const code = [];
  const splat = (x, local) => code.push(OP.f32Const, ...f32bytes(x), ...SIMD.f32x4Splat, OP.localSet, local);
  const split = shape === 'split';
  splat(split ? 1 : 0.5, M);
  splat(split ? 2 ** -24 : 0.25, C);
  for (let k = 0; k < K; k++) splat(1 + k / 16, ACC + k);
  code.push(OP.loop, OP.void);
  for (let u = 0; u < UNROLL; u++) {
    for (let k = 0; k < K; k++) {
      if (!split) {
        code.push(OP.localGet, ACC + k, OP.localGet, M, ...SIMD.f32x4Mul,
          OP.localGet, C, ...SIMD.f32x4Add, OP.localSet, ACC + k);
      } else if (k % 2 === 0) {
        code.push(OP.localGet, ACC + k, OP.localGet, M, ...SIMD.f32x4Mul, OP.localSet, ACC + k);
      } else {
        code.push(OP.localGet, ACC + k, OP.localGet, C, ...SIMD.f32x4Add, OP.localSet, ACC + k);
      }
    }
  }
  code.push(OP.localGet, 0, OP.i32Const, 1, OP.i32Sub, OP.localTee, 0, OP.brIf, 0, OP.end);
  code.push(OP.localGet, ACC);
  for (let k = 1; k < K; k++) code.push(OP.localGet, ACC + k, ...SIMD.f32x4Add);
  code.push(...SIMD.f32x4ExtractLane, 0, OP.end);
  const locals = [1, ...uleb(2 + K), 0x7b]; // one group: 2 + K v128
  const body = [...locals, ...code];
  const func = [...uleb(body.length), ...body];
  const name = [...new TextEncoder().encode('run')];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]), // type: (i32) -> f32
    ...section(3, [1, 0]), // func 0: type 0
    ...section(7, [1, name.length, ...name, 0x00, 0]), // export "run" func 0
    ...section(10, [1, ...func]),
  ]);
}

/** FLOPs of run(iters) for K chains. */
export function peakFlops(K, iters, shape = 'fused') {
  return iters * UNROLL * K * (shape === 'split' ? 4 : 8);
}

/**
 * Measures the peak. opts: { chains: [K...], shapes, trials, seconds (per trial) }.
 * Returns { gflops, chains, shape, results: [{ chains, shape, gflops }] }.
 */
export async function measurePeak(opts = {}) {
  const chains = opts.chains || [8, 12, 13, 14, 16];
  const shapes = opts.shapes || ['fused', 'split'];
  const trials = opts.trials || 5;
  const seconds = opts.seconds || 0.2;
  const results = [];
  for (const shape of shapes) for (const K of chains) {
    const { instance } = await WebAssembly.instantiate(peakModule(K, shape));
    const run = instance.exports.run;
    // Warm up until the optimizing tier has compiled the function (no
    // on-stack replacement in wasm: a long first call would stay in the
    // baseline tier), then size a trial to `seconds`.
    let iters = 1000;
    const warmEnd = performance.now() + 150;
    while (performance.now() < warmEnd) run(iters);
    let dt;
    for (;;) {
      const t0 = performance.now();
      run(iters);
      dt = (performance.now() - t0) / 1000;
      if (dt > seconds / 4) break;
      iters *= 2;
    }
    iters = Math.max(1, Math.round(iters * seconds / dt));
    let best = 0;
    for (let t = 0; t < trials; t++) {
      const t0 = performance.now();
      const r = run(iters);
      const s = (performance.now() - t0) / 1000;
      if (!Number.isFinite(r)) throw new Error('peak kernel produced a non-finite value');
      best = Math.max(best, peakFlops(K, iters, shape) / s / 1e9);
    }
    results.push({ chains: K, shape, gflops: best });
  }
  const top = results.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  return { gflops: top.gflops, chains: top.chains, shape: top.shape, results };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await measurePeak();
  console.log(JSON.stringify(r, null, 1));
}
