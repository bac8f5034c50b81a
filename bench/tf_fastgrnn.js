// tf_fastgrnn.js - the FastGRNN of docs/design.md written with TensorFlow.js ops,
// trained the way a TF.js user would: tf.variableGrads, clipping by global
// norm (TF.js has no built-in global clip for its optimizers), tf.train.adam.
//
// Full rank, shared W/U for gate and candidate, trainable zeta/nu through
// sigmoids, linear head, binary cross-entropy on the logit. Like the C core,
// step t = 1 skips U h_0 (h_0 = 0).

/**
 * Loads TF.js with the given backend ('cpu' or 'wasm'); returns the tf namespace.
 * Production mode (no per-op debug checks), single-threaded wasm backend.
 */
export async function loadTf(backend) {
  // TF.js prints an advertisement for tfjs-node through console.log on first
  // use in Node; keep it off our output.
  const log = console.log;
  console.log = () => {};
  try {
    const tf = await import('@tensorflow/tfjs');
    if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    tf.enableProdMode();
    if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} is unavailable`);
    await tf.ready();
    if (tf.getBackend() !== backend) throw new Error(`TF.js runs ${tf.getBackend()}, not ${backend}`);
    // Warm the ops once so the advert and lazy kernel registration happen here.
    tf.tidy(() => tf.sigmoid(tf.matMul(tf.ones([2, 2]), tf.ones([2, 2]))).dataSync());
    return tf;
  } finally {
    console.log = log;
  }
}

/**
 * A FastGRNN model with an Adam optimizer.
 * cfg: { D, H, lr, beta1, beta2, eps, clip, zeta, nu, seed }
 */
export function createTfFastGRNN(tf, cfg) {
  const { D, H } = cfg;
  const seed = cfg.seed ?? 42;
  const v = {
    W: tf.variable(tf.randomNormal([D, H], 0, 0.1, 'float32', seed), true, 'W'),
    U: tf.variable(tf.randomNormal([H, H], 0, 0.1, 'float32', seed + 1), true, 'U'),
    bz: tf.variable(tf.ones([H]), true, 'bz'),
    bh: tf.variable(tf.ones([H]), true, 'bh'),
    zetaRaw: tf.variable(tf.scalar(cfg.zeta ?? 1), true, 'zetaRaw'),
    nuRaw: tf.variable(tf.scalar(cfg.nu ?? 1), true, 'nuRaw'),
    Wo: tf.variable(tf.randomNormal([H, 1], 0, 0.1, 'float32', seed + 2), true, 'Wo'),
    bo: tf.variable(tf.zeros([1]), true, 'bo'),
  };
  const opt = tf.train.adam(cfg.lr, cfg.beta1 ?? 0.9, cfg.beta2 ?? 0.999, cfg.eps ?? 1e-8);
  const clip = cfg.clip ?? 5;

  /** Mean BCE of one batch; xs: T tensors [B, D] (time-major), y: [B, 1]. */
  function loss(xs, y) {
    const zeta = tf.sigmoid(v.zetaRaw);
    const nu = tf.sigmoid(v.nuRaw);
    let h = null;
    for (const xt of xs) {
      const a = h === null ? tf.matMul(xt, v.W) : tf.add(tf.matMul(xt, v.W), tf.matMul(h, v.U));
      const z = tf.sigmoid(tf.add(a, v.bz));
      const c = tf.tanh(tf.add(a, v.bh));
      const g = tf.add(tf.mul(zeta, tf.sub(1, z)), nu);
      h = h === null ? tf.mul(g, c) : tf.add(tf.mul(z, h), tf.mul(g, c));
    }
    const logits = tf.add(tf.matMul(h, v.Wo), v.bo);
    return tf.losses.sigmoidCrossEntropy(y, logits);
  }

  /** One Adam step with global-norm clipping; returns the loss tensor (caller disposes). */
  function step(xs, y) {
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => loss(xs, y));
      const names = Object.keys(grads);
      const norm = tf.sqrt(tf.addN(names.map((k) => tf.sum(tf.square(grads[k])))));
      const scale = tf.div(clip, tf.maximum(norm, clip));
      const clipped = {};
      for (const k of names) clipped[k] = tf.mul(grads[k], scale);
      opt.applyGradients(clipped);
      return value;
    });
  }

  /**
   * One training pass over features [n, T, D] (flat) and labels [n] in
   * mini-batches of `batch` (in order; the data is i.i.d.). Returns the mean
   * batch loss of the pass (read once, at the end).
   */
  function trainPass(features, labels, n, T, batch) {
    let sum = tf.scalar(0);
    let batches = 0;
    for (let start = 0; start < n; start += batch) {
      const b = Math.min(batch, n - start);
      const l = tf.tidy(() => {
        const xb = tf.tensor3d(features.subarray(start * T * D, (start + b) * T * D), [b, T, D]);
        const xs = tf.unstack(xb, 1);
        const yb = tf.tensor2d(labels.subarray(start, start + b), [b, 1]);
        return step(xs, yb);
      });
      const next = tf.add(sum, l);
      sum.dispose();
      l.dispose();
      sum = next;
      batches++;
    }
    const mean = sum.dataSync()[0] / batches;
    sum.dispose();
    return mean;
  }

  function dispose() {
    for (const k of Object.keys(v)) v[k].dispose();
    opt.dispose();
  }

  return { vars: v, loss, step, trainPass, dispose };
}
