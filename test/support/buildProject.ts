import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Compiles the project (tsconfig.build.json) into `outDir`, for tests that run the built CLI as a process. */
export function buildProject(outDir: string): void {
  execFileSync(process.execPath, [
    path.resolve('node_modules/typescript/bin/tsc'),
    '-p',
    'tsconfig.build.json',
    '--outDir',
    outDir,
  ]);
}
