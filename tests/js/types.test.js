// The TypeScript declarations type-check against a usage sample, and every
// js / ts code block of README.md type-checks against them (tsc --strict).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = `${ROOT}node_modules/typescript/bin/tsc`;
const skip = !existsSync(TSC) && 'typescript not installed';

function tsc(project) {
  try {
    execFileSync(process.execPath, [TSC, '-p', project], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
}

it('index.d.ts and worker.d.ts type-check (tsc --strict)', { skip }, () => {
  tsc('tests/js/fixtures/tsconfig.json');
});

// Names a README block may assume (`<!-- typecheck: assumes a b -->` right
// before its fence), declared with these types.
const ASSUMABLE = {
  features: 'declare const features: number[][];',
  labels: 'declare const labels: number[];',
  trainer: "declare const trainer: import('fastgrnn-wasm').Trainer;",
  model: "declare const model: import('fastgrnn-wasm').FastGRNN;",
  dataset: "declare const dataset: import('fastgrnn-wasm').TrainingDataset;",
  ds: "declare const ds: import('fastgrnn-wasm').TrainingDataset;",
};

/** The js / ts blocks of a markdown text: [{ line, code, assumes, skip }]. */
export function codeBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(js|ts|javascript|typescript)\s*$/.exec(lines[i]);
    if (!open) continue;
    const mark = i > 0 ? /^<!-- typecheck: (assumes ([\w ]+)|skip) -->$/.exec(lines[i - 1]) : null;
    let j = i + 1;
    while (j < lines.length && lines[j] !== '```') j++;
    blocks.push({
      line: i + 1,
      code: lines.slice(i + 1, j).join('\n'),
      assumes: mark && mark[2] ? mark[2].trim().split(/\s+/) : [],
      skip: !!mark && mark[1] === 'skip',
    });
    i = j;
  }
  return blocks;
}

it('every js block of README.md type-checks (tsc --strict, no casts)', { skip }, () => {
  const blocks = codeBlocks(readFileSync(`${ROOT}README.md`, 'utf8'));
  assert.ok(blocks.length >= 8, `found only ${blocks.length} js blocks in README.md`);
  const skipped = blocks.filter((b) => b.skip);
  assert.ok(skipped.length <= 1, `too many blocks skipped: lines ${skipped.map((b) => b.line)}`);
  // Inside the package, so 'fastgrnn-wasm' resolves to this package's js/index.d.ts.
  const dir = `${ROOT}tests/js/fixtures/readme-blocks-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const files = [];
    for (const b of blocks) {
      if (b.skip) continue;
      assert.doesNotMatch(b.code, /\bas (unknown|any|number|Float32Array)\b|<any>/,
        `README.md line ${b.line}: the examples must not need casts`);
      const decls = b.assumes.map((name) => {
        assert.ok(ASSUMABLE[name], `README.md line ${b.line}: unknown assumed name '${name}'`);
        return ASSUMABLE[name];
      });
      // Import declarations may follow other statements at the top level of a
      // module; `export {}` keeps every block its own module.
      const text = [...decls, b.code, 'export {};', ''].join('\n');
      const name = `block-line-${b.line}.ts`;
      writeFileSync(`${dir}/${name}`, `// README.md line ${b.line}\n${text}`);
      files.push(name);
    }
    writeFileSync(`${dir}/tsconfig.json`, JSON.stringify({
      compilerOptions: {
        noEmit: true, strict: true, target: 'es2022', lib: ['es2022', 'dom'],
        module: 'nodenext', moduleResolution: 'nodenext', types: ['node'], skipLibCheck: true,
      },
      files,
    }));
    tsc(`${dir}/tsconfig.json`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
