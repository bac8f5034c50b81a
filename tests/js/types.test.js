// The TypeScript declarations type-check against a usage sample.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = `${ROOT}node_modules/typescript/bin/tsc`;

it('index.d.ts and worker.d.ts type-check (tsc --strict)', { skip: !existsSync(TSC) && 'typescript not installed' }, () => {
  try {
    execFileSync(process.execPath, [TSC, '-p', 'tests/js/fixtures/tsconfig.json'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});
